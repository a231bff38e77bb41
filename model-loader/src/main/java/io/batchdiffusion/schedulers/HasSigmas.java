package io.batchdiffusion.schedulers;

/** A scheduler with a sigma per step (k-diffusion and DPM-Solver), for parity checks. */
interface HasSigmas {

    /** The sigma of every step followed by the final one (length numSteps + 1), as float32. */
    float[] sigmas();
}
