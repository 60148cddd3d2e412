// Stand-in for the annotation Jenkins' CPS engine provides (workflow-cps), so that the
// generated steps compile with plain groovyc and CodeNarc can analyse them. Same
// package, name and retention. Plain Java: it is also put on the boot class path.
package com.cloudbees.groovy.cps;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface NonCPS {
}
