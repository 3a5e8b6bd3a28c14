package io.probesim.report.measure;

/** A timing case that could not be measured (the probe was refused, the workload did not finish). */
public final class MeasureException extends RuntimeException {
    public MeasureException(String message) {
        super(message);
    }
}
