/** Prompt catalogues: schema, importers, Parquet writer, sample and synthetic data. */
package io.batchdiffusion.datasets;
