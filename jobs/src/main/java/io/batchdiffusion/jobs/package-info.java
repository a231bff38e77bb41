/** The Spark jobs: a thin layer that reads catalogues, renders on executors and writes results. */
package io.batchdiffusion.jobs;
