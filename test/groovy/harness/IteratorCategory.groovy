package eastern.harness

import com.cloudbees.groovy.cps.Continuable
import groovy.transform.CompileStatic

/**
 * What Jenkins' IteratorHack does, written for this harness: for-in loops and `.each` over
 * Lists, Sets and a Map's keySet/entrySet/values get serialisable iterators (or copies), so
 * a loop with a step inside is not reported as holding a java.util iterator. Anything else
 * that is not serialisable still is. Statically compiled: its own calls must not go through itself.
 */
@CompileStatic
class IteratorCategory {
    static final List<Class> CATEGORIES = Collections.unmodifiableList(new ArrayList<Class>(Continuable.categories) + [(Class) IteratorCategory])

    /** An iterator over a list, by index: serialisable (the list itself must be). */
    static class ListIterator implements Iterator, Serializable {
        private static final long serialVersionUID = 1L
        final List list
        int next = 0

        ListIterator(List list) {
            this.list = list
        }

        boolean hasNext() { return next < list.size() }

        Object next() {
            if (next >= list.size()) {
                throw new NoSuchElementException()
            }
            return list.get(next++)
        }

        void remove() { list.remove(--next) }
    }

    static Iterator iterator(List self) { return new ListIterator(self) }

    static Iterator iterator(Set self) { return new ListIterator(new ArrayList<Object>((Collection<Object>) self)) }

    static Set keySet(Map self) { return new LinkedHashSet<Object>((Collection<Object>) self.keySet()) }

    static Collection values(Map self) { return new ArrayList<Object>((Collection<Object>) self.values()) }

    static Set entrySet(Map self) {
        Set entries = new LinkedHashSet()
        for (Map.Entry e : self.entrySet()) {
            entries.add(new AbstractMap.SimpleImmutableEntry(e.getKey(), e.getValue()))
        }
        return entries
    }
}
