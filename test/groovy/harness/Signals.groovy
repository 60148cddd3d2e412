package eastern.harness

/** What Jenkins' `error` step and a failing `sh` throw (hudson.AbortException is an IOException). */
class StepError extends IOException {
    StepError(String message) { super(message) }
}

/** A build abort or an approval that timed out (FlowInterruptedException is an InterruptedException). */
class Aborted extends InterruptedException {
    Aborted(String message) { super(message) }
}

/** A step the harness does not know: in Jenkins this would be a NoSuchMethodError. */
class UnknownStep extends RuntimeException {
    UnknownStep(String message) { super(message) }
}
