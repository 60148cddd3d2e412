package eastern.harness

/**
 * What a suspended CPS program asks of the driver: a step (`step`), the start or end of a
 * step's body (`enter`, `exit`), a virtual-time sleep (`sleep`), or parallel branches (`fork`).
 */
class Event implements Serializable {
    private static final long serialVersionUID = 1L
    String kind
    String name
    Object[] args
    long millis

    String toString() { "${kind} ${name ?: ''}" }
}
