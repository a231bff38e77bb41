package io.batchdiffusion.jobs

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Paths}

import scala.jdk.CollectionConverters._

import com.fasterxml.jackson.databind.ObjectMapper
import org.apache.spark.sql.Row
import org.apache.spark.sql.types._

class RenderJobSuite extends SparkSuite {

  private def options(extra: String*): JobOptions = JobOptions.parse(
    (Seq("--catalogue", sampleCatalogue.toString, "--output", tmp.resolve("out").toString,
      "--model", defaultModel.toString, "--num-inference-steps", "4", "--progress-seconds", "1") ++ extra): _*)

  private def results(summary: RunSummary) = spark.read.parquet(summary.runRoot + "/results")

  test("the sample catalogue renders every row into images, a results table and a manifest") {
    val summary = RenderJob.run(spark, options("--run-id", "sample"))
    val rows = results(summary).collect()
    assert(rows.length === 8)
    assert(rows.map(_.getAs[String]("status")).toSet === Set("OK"))
    rows.foreach { row =>
      val png = Files.readAllBytes(Paths.get(java.net.URI.create(row.getAs[String]("image_path"))))
      assert(RenderKeys.sha256Hex(png) === row.getAs[String]("image_sha256"))
      val text = new String(png, StandardCharsets.ISO_8859_1)
      assert(text.contains("parameters\u0000" + row.getAs[String]("prompt")))
      assert(text.contains("Steps: 4, Sampler: DDIM"))
      assert(text.contains(s"Seed: ${row.getAs[Long]("seed")}, Size: 32x32, Model hash: ${summary.model.shortHash}"))
      assert(row.getAs[Float]("clip_score") >= 0f)
      assert(row.getAs[Int]("width") === 32)
    }
    assert(rows.map(_.getAs[String]("category")).toSet === Set("colour", "position", "composition"))
    val manifest = new ObjectMapper().readTree(tmp.resolve("out/sample/manifest.json").toFile)
    assert(manifest.path("counts_by_status").path("OK").asLong === 8)
    assert(manifest.path("model").path("fingerprint").asText === summary.model.fingerprint)
    assert(manifest.path("job").path("runId").asText === "sample")
    assert(summary.engineLoads === 1, "the pipeline is loaded once per executor JVM")
  }

  test("bad rows get an INVALID_INPUT row with a message and cost no model time; good rows render") {
    val schema = StructType(Seq(
      StructField("id", StringType), StructField("prompt", StringType), StructField("guidance_scale", DoubleType),
      StructField("num_inference_steps", IntegerType), StructField("width", IntegerType),
      StructField("scheduler", StringType)))
    val data = Seq(
      Row("good-1", "a red circle", null, null, null, null),
      Row("null-prompt", null, null, null, null, null),
      Row("empty", "   ", null, null, null, null),
      Row("nan", "a cat", Double.NaN, null, null, null),
      Row("zero-steps", "a cat", null, 0, null, null),
      Row("odd-width", "a cat", null, null, 33, null),
      Row("bad-scheduler", "a cat", null, null, null, "heun"),
      Row("good-2", "a blue square", 3.0, null, null, "euler_a"))
    val path = tmp.resolve("bad.parquet").toString
    spark.createDataFrame(data.asJava, schema).coalesce(1).write.parquet(path)
    val summary = RenderJob.run(spark, JobOptions.parse("--catalogue", path, "--output", tmp.resolve("out").toString,
      "--model", defaultModel.toString, "--num-inference-steps", "4", "--run-id", "bad"))
    val byId = results(summary).collect().map(r => r.getAs[String]("row_id") -> r).toMap
    assert(byId("good-1").getAs[String]("status") === "OK")
    assert(byId("good-2").getAs[String]("status") === "OK")
    val expected = Map(
      "null-prompt" -> "prompt is null", "empty" -> "prompt is empty", "nan" -> "guidance_scale NaN",
      "zero-steps" -> "num_inference_steps 0", "odd-width" -> "width 33 is not a positive multiple of 8",
      "bad-scheduler" -> "scheduler 'heun' is unknown")
    expected.foreach { case (id, message) =>
      assert(byId(id).getAs[String]("status") === "INVALID_INPUT", id)
      assert(byId(id).getAs[String]("error").contains(message), byId(id).getAs[String]("error"))
      assert(byId(id).getAs[String]("image_path") === null)
    }
    assert(summary.countsByStatus.asScala.toMap === Map("OK" -> 2L, "INVALID_INPUT" -> 6L))
    assert(summary.imagesRendered === 2)
  }

  test("a sweep expands each row into seeds x guidance scales with seeds from the sweep point, and writes a summary") {
    val summary = RenderJob.run(spark, options("--run-id", "sweep", "--seeds", "0-1", "--guidance", "1,5"))
    val rows = results(summary).collect()
    assert(rows.length === 8 * 4)
    val perRow = rows.groupBy(_.getAs[String]("row_id"))
    perRow.values.foreach { renders =>
      assert(renders.map(r => (r.getAs[Long]("seed"), r.getAs[Double]("guidance_scale"))).toSet ===
        Set((0L, 1.0), (0L, 5.0), (1L, 1.0), (1L, 5.0)))
      assert(renders.map(_.getAs[String]("key")).toSet.size === 4)
    }
    val summaryTable = spark.read.parquet(summary.runRoot + "/summary").collect()
    assert(summaryTable.exists(r => r.getAs[String]("category") == "all" && r.getAs[Double]("guidance_scale") == 5.0))
    assert(summaryTable.exists(r => r.getAs[String]("category") == "colour"))
  }

  test("a catalogue without a prompt column fails before any model work, naming the file and the column") {
    val path = tmp.resolve("no-prompt.parquet").toString
    spark.range(3).selectExpr("cast(id as string) as id", "'x' as text").write.parquet(path)
    val e = intercept[IllegalArgumentException] {
      RenderJob.run(spark, JobOptions.parse("--catalogue", path, "--output", tmp.resolve("out").toString,
        "--model", defaultModel.toString, "--run-id", "noprompt"))
    }
    assert(e.getMessage.contains(path) && e.getMessage.contains("'prompt'"))
  }

  test("a wrongly typed column fails the job before any model work, naming the file and the column") {
    val path = tmp.resolve("string-seed.parquet").toString
    spark.range(3).selectExpr("'a cat' as prompt", "'seven' as seed").write.parquet(path)
    val e = intercept[IllegalArgumentException] {
      RenderJob.run(spark, JobOptions.parse("--catalogue", path, "--output", tmp.resolve("out").toString,
        "--model", defaultModel.toString, "--run-id", "badtype"))
    }
    assert(e.getMessage.contains(path) && e.getMessage.contains("'seed'") && e.getMessage.contains("integer"))
  }

  test("embedded images use the Hugging Face datasets image struct") {
    val summary = RenderJob.run(spark, options("--run-id", "embed", "--embed-images"))
    val row = results(summary).select("image", "image_sha256", "key").head()
    val image = row.getAs[Row]("image")
    assert(RenderKeys.sha256Hex(image.getAs[Array[Byte]]("bytes")) === row.getAs[String]("image_sha256"))
    assert(image.getAs[String]("path") === row.getAs[String]("key") + ".png")
    // The footer names the features, so datasets.load_dataset("parquet", ...) decodes the column as images.
    val part = Files.list(Paths.get(summary.runRoot, "results")).iterator().asScala
      .find(_.getFileName.toString.endsWith(".parquet")).get
    val reader = org.apache.parquet.hadoop.ParquetFileReader.open(
      org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(part.toUri), new org.apache.hadoop.conf.Configuration()))
    val features = try new ObjectMapper().readTree(
      reader.getFooter.getFileMetaData.getKeyValueMetaData.get("huggingface")).path("info").path("features")
    finally reader.close()
    assert(features.path("image").path("_type").asText === "Image")
    assert(features.path("clip_score").path("dtype").asText === "float32")
    assert(features.size === results(summary).columns.length)
  }
}
