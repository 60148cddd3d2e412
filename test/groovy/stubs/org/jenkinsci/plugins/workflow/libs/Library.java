// Stand-in for the @Library annotation of Jenkins' pipeline-groovy-lib plugin, which
// Jenkins imports into every Jenkinsfile. The harness loads the library itself.
package org.jenkinsci.plugins.workflow.libs;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

@Retention(RetentionPolicy.SOURCE)
public @interface Library {
    String[] value();

    boolean changelog() default true;
}
