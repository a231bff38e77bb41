/**
 * The run report: one self-contained HTML page ({@code <run-root>/report/index.html}) with the run's
 * facts, a CLIP-score-versus-guidance chart and a contact sheet per prompt, written beside the results
 * through Hadoop's FileSystem API. {@link io.batchdiffusion.jobs.report.SweepReport} is the entry point
 * and the only class that touches Spark; everything else works on plain rows.
 */
package io.batchdiffusion.jobs.report;
