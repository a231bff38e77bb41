package io.batchdiffusion.parity;

/** Compares one component of the model with its goldens, adding a line per tensor to the report. */
interface ParityCheck {

    /** Tolerances of the project: components 1e-4, schedulers 1e-5, pipelines 1e-3. */
    double COMPONENT = 1e-4;

    double SCHEDULER = 1e-5;
    double PIPELINE = 1e-3;

    void run(GoldenFixture fixture, ParityReport report);
}
