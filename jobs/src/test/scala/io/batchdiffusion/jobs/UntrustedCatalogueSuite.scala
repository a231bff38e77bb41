package io.batchdiffusion.jobs

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path}

import scala.jdk.CollectionConverters._

import org.apache.logging.log4j.Level
import org.apache.spark.sql.Row

import io.batchdiffusion.jobs.RawCatalogue.{Float64, Int64, Text}

/**
 * One catalogue holding every kind of bad row at once beside good rows: each bad row gets its own
 * INVALID_INPUT result with a message and costs no model time; the good rows render untouched.
 */
class UntrustedCatalogueSuite extends SparkSuite {

  // A model with Stable Diffusion's 77-token text encoder (the shapes model reads 32 tokens).
  override protected def defaultModel: java.nio.file.Path = repoRoot.resolve("models/tiny-sd-a")

  override protected def sparkConf: Map[String, String] =
    Map(RenderJob.CONF_ENGINE_FACTORY -> classOf[RecordingEngineFactory].getName)

  private val marker = "zanzibarquux"
  private val longPrompt = (s"a $marker painting of a red circle on a blue square beside a green triangle, " * 8).trim
  private val hostileIds = Seq("../../escape", "a/b/c", "s3:bucket:key", "nul\u0000id", "x" * 2000)

  private def bytes(parts: Any*): Array[Byte] = parts.flatMap {
    case s: String => s.getBytes(StandardCharsets.UTF_8).toSeq
    case i: Int => Seq(i.toByte)
  }.toArray

  /** id -> (extra columns, expected status, expected message fragment or the cleaned prompt rendered). */
  private val cases: Seq[(String, Map[String, Any], String, String)] = Seq[(String, Map[String, Any], String, String)](
    ("good-1", Map("prompt" -> "a red circle"), "OK", "a red circle"),
    ("good-2", Map("prompt" -> "a blue square", "guidance_scale" -> 3.0), "OK", "a blue square"),
    ("long", Map("prompt" -> longPrompt), "OK", longPrompt),
    ("low-guidance", Map("prompt" -> "a green triangle", "guidance_scale" -> 0.5), "OK", "a green triangle"),
    ("zero-width", Map("prompt" -> "a\u200B yellow\u2060 star\uFEFF"), "OK", "a yellow star"),
    ("dup", Map("prompt" -> "a purple dot"), "OK", "a purple dot"),
    ("dup", Map("prompt" -> "a purple dot"), "OK", "a purple dot"),
    ("null-prompt", Map.empty[String, Any], "INVALID_INPUT", "prompt is null"),
    ("empty", Map("prompt" -> ""), "INVALID_INPUT", "prompt is empty or whitespace"),
    ("blank", Map("prompt" -> " \t\n "), "INVALID_INPUT", "prompt is empty or whitespace"),
    ("only-zero-width", Map("prompt" -> "\u200B\u2060\uFEFF"), "INVALID_INPUT", "prompt is empty or whitespace"),
    ("bidi-override", Map("prompt" -> "a cat \u202Eevil"), "INVALID_INPUT",
      "prompt contains the bidirectional control U+202E at character 6"),
    ("bidi-isolate", Map("prompt" -> "\u2067a cat\u2069"), "INVALID_INPUT", "bidirectional control U+2067"),
    ("bad-utf8", Map("prompt" -> bytes("a cat ", 0xC3, 0x28)), "INVALID_INPUT", "prompt is not valid UTF-8"),
    ("overlong-utf8", Map("prompt" -> bytes("a ", 0xC0, 0xAF, " cat")), "INVALID_INPUT", "prompt is not valid UTF-8"),
    ("bad-utf8-negative", Map("prompt" -> "a dog", "negative_prompt" -> bytes("blur", 0xFF)), "INVALID_INPUT",
      "negative_prompt is not valid UTF-8"),
    ("guidance-nan", Map("prompt" -> "a cat", "guidance_scale" -> Double.NaN), "INVALID_INPUT",
      "guidance_scale NaN is not a finite number"),
    ("guidance-inf", Map("prompt" -> "a cat", "guidance_scale" -> Double.PositiveInfinity), "INVALID_INPUT",
      "guidance_scale Infinity is not a finite number"),
    ("guidance-minus-inf", Map("prompt" -> "a cat", "guidance_scale" -> Double.NegativeInfinity), "INVALID_INPUT",
      "guidance_scale -Infinity is not a finite number"),
    ("guidance-negative", Map("prompt" -> "a cat", "guidance_scale" -> -1.0), "INVALID_INPUT",
      "guidance_scale -1.0 is negative"),
    ("guidance-huge", Map("prompt" -> "a cat", "guidance_scale" -> 1e6), "INVALID_INPUT",
      "guidance_scale 1000000.0 is above 100"),
    ("steps-zero", Map("prompt" -> "a cat", "num_inference_steps" -> 0L), "INVALID_INPUT",
      "num_inference_steps 0 is outside [1, 1000]"),
    ("steps-negative", Map("prompt" -> "a cat", "num_inference_steps" -> -5L), "INVALID_INPUT",
      "num_inference_steps -5 is outside [1, 1000]"),
    ("steps-1001", Map("prompt" -> "a cat", "num_inference_steps" -> 1001L), "INVALID_INPUT",
      "num_inference_steps 1001 is outside [1, 1000]"),
    ("steps-2^40", Map("prompt" -> "a cat", "num_inference_steps" -> (1L << 40)), "INVALID_INPUT",
      "num_inference_steps 1099511627776 is outside [1, 1000]"),
    ("width-zero", Map("prompt" -> "a cat", "width" -> 0L), "INVALID_INPUT", "width 0 is not a positive multiple of 8"),
    ("height-zero", Map("prompt" -> "a cat", "height" -> 0L), "INVALID_INPUT",
      "height 0 is not a positive multiple of 8"),
    ("width-33", Map("prompt" -> "a cat", "width" -> 33L), "INVALID_INPUT", "width 33 is not a positive multiple of 8"),
    ("height-12", Map("prompt" -> "a cat", "height" -> 12L), "INVALID_INPUT",
      "height 12 is not a positive multiple of 8"),
    ("width-over-max", Map("prompt" -> "a cat", "width" -> 1024L), "INVALID_INPUT",
      "width 1024 is above the configured maximum 512"),
    ("height-2^40", Map("prompt" -> "a cat", "height" -> (1L << 40)), "INVALID_INPUT",
      "height 1099511627776 is above the configured maximum"),
    ("width-negative", Map("prompt" -> "a cat", "width" -> -64L), "INVALID_INPUT",
      "width -64 is not a positive multiple of 8")
  ) ++ hostileIds.map(id => (id, Map[String, Any]("prompt" -> "a small cat"), "OK", "a small cat"))

  private val columns = Seq(Text("id"), Text("prompt"), Text("negative_prompt"), Float64("guidance_scale"),
    Int64("num_inference_steps"), Int64("width"), Int64("height"), Text("note"))

  private def writeCatalogue(): Path = {
    val file = tmp.resolve("untrusted.parquet")
    RawCatalogue.write(file, columns, cases.map { case (id, fields, _, _) => fields + ("id" -> id) + ("note" -> s"kept:$id") })
    file
  }

  test("every bad row gets its own status and message, costs no model time, and the good rows render") {
    val catalogue = writeCatalogue()
    RecordingEngineFactory.reset()
    val output = tmp.resolve("out")
    val capture = LogCapture(tmp.resolve("untrusted.log"), Level.INFO)
    val summary = try {
      RenderJob.run(spark, JobOptions.parse("--catalogue", catalogue.toString, "--output", output.toString,
        "--model", defaultModel.toString, "--num-inference-steps", "4", "--max-side", "512", "--run-id", "untrusted"))
    } finally capture.close()
    val results = spark.read.parquet(summary.runRoot + "/results").collect()
    val byId = results.groupBy(_.getAs[String]("row_id"))

    // One result per distinct row (the duplicate collapsed), each with the expected status and message.
    val distinct = cases.map(_._1).distinct
    assert(results.length === distinct.size)
    assert(byId("dup").length === 1, "identical rows collapse into one render")
    cases.foreach { case (id, _, status, expected) =>
      val row = byId(id).head
      val shown = TruncationWarnings.printable(id)
      assert(row.getAs[String]("status") === status, s"$shown: ${row.getAs[String]("error")}")
      if (status == "OK") {
        assert(row.getAs[String]("prompt") === expected, shown)
        assert(row.getAs[String]("error") === null, shown)
      } else {
        assert(Option(row.getAs[String]("error")).exists(_.contains(expected)), s"$shown: ${row.getAs[String]("error")}")
        Seq("image_path", "image_sha256", "prompt_tokens", "truncated", "guidance_applied", "text_encode_ms").foreach {
          column => assert(row.isNullAt(row.fieldIndex(column)), s"$shown: $column")
        }
      }
      assert(row.getAs[String]("note") === s"kept:$id", "the extra column is carried through")
    }

    // Model time went to the good rows only.
    val good = cases.filter(_._3 == "OK").map(c => (c._1, c._4)).distinct
    assert(RecordingEngineFactory.rendered.asScala.toSeq.sorted === good.map(_._2).sorted)
    assert(summary.imagesRendered === good.size)
    assert(summary.countsByStatus.asScala.toMap === Map("OK" -> good.size.toLong,
      "INVALID_INPUT" -> (distinct.size - good.size).toLong))

    // Guidance between 0 and 1 renders without classifier-free guidance, and says so.
    assert(byId("low-guidance").head.getAs[Boolean]("guidance_applied") === false)
    assert(byId("good-1").head.getAs[Boolean]("guidance_applied") === true)

    // A prompt over 77 tokens renders truncated, is flagged, and is warned about once, without its text.
    val long = byId("long").head
    assert(long.getAs[Boolean]("truncated") === true)
    assert(long.getAs[Int]("prompt_tokens") > 77)
    assert(byId("good-1").head.getAs[Boolean]("truncated") === false)
    val warnings = capture.messages.filter(_.contains("TruncationWarnings"))
    assert(warnings.size === 1, warnings)
    assert(warnings.head.contains(s"row long: prompt has ${long.getAs[Int]("prompt_tokens")} CLIP tokens, over the model's 77"))
    if (capture.text.contains(marker)) fail("the prompt text reached the log")

    // Keys are hashes: whatever the id, every object lies under the run prefix, well within S3's key limit.
    hostileIds.foreach { id =>
      val path = byId(id).head.getAs[String]("image_path")
      assert(new java.net.URI(path).getPath.startsWith(output.resolve("untrusted/images").toString + "/"), path)
      assert(path.matches(".*/images/[0-9a-f]{64}[.]png"), path)
      assert(byId(id).head.getAs[String]("row_id") === id)
    }
    val everything = Files.walk(output).iterator().asScala.filter(Files.isRegularFile(_)).toSeq
    assert(everything.nonEmpty)
    everything.foreach { file =>
      val relative = output.relativize(file)
      assert(relative.startsWith("untrusted"), s"$relative is outside the run prefix")
      val key = "renders/" + relative.toString // as an object key under an s3a://bucket/renders output
      assert(key.getBytes(StandardCharsets.UTF_8).length <= 1024, key)
      assert(relative.iterator().asScala.forall(_.toString.matches("[A-Za-z0-9._=-]+")), relative)
    }
    info(s"${results.length} result rows, ${summary.imagesRendered} images rendered, ${everything.size} files written")
  }

  test("a catalogue whose prompt column is missing or wrongly typed fails before any model work, naming file and column") {
    val created = RecordingEngineFactory.created.get
    val cases = Seq(
      ("no-prompt", Seq("cast(id as string) as id", "'x' as text"), "'prompt' is missing"),
      ("int-prompt", Seq("cast(id as int) as prompt"), "'prompt' has type int; expected string"),
      ("binary-prompt", Seq("cast('a cat' as binary) as prompt"), "'prompt' has type binary; expected string"),
      ("string-guidance", Seq("'a cat' as prompt", "'high' as guidance_scale"), "'guidance_scale' has type string"),
      ("double-steps", Seq("'a cat' as prompt", "4.5d as num_inference_steps"),
        "'num_inference_steps' has type double"),
      ("internal-name", Seq("'a cat' as prompt", "true as _prompt_valid_utf8"), "'_prompt_valid_utf8' collides"),
      ("result-name", Seq("'a cat' as prompt", "'x' as status"), "'status' collides"))
    cases.foreach { case (name, select, message) =>
      val path = tmp.resolve(s"$name.parquet").toString
      spark.range(2).selectExpr(select: _*).write.parquet(path)
      val e = intercept[IllegalArgumentException] {
        RenderJob.run(spark, JobOptions.parse("--catalogue", path, "--output", tmp.resolve("schema-out").toString,
          "--model", defaultModel.toString, "--run-id", name))
      }
      assert(e.getMessage.contains(s"catalogue $path: column $message"), e.getMessage)
    }
    assert(RecordingEngineFactory.created.get === created, "no engine was built")
  }

  test("extra catalogue columns of any name and type are carried through") {
    val path = tmp.resolve("extra.parquet").toString
    spark.createDataFrame(Seq(("e1", "a red circle", "team-a", Seq("x", "y"), 3L)))
      .toDF("id", "prompt", "_source", "tags", "batch_no").write.parquet(path)
    val summary = RenderJob.run(spark, JobOptions.parse("--catalogue", path, "--output", tmp.resolve("out").toString,
      "--model", defaultModel.toString, "--num-inference-steps", "2", "--run-id", "extra"))
    val row = spark.read.parquet(summary.runRoot + "/results").head()
    assert(row.getAs[String]("status") === "OK")
    assert(row.getAs[String]("_source") === "team-a")
    assert(row.getAs[scala.collection.Seq[String]]("tags") === Seq("x", "y"))
    assert(row.getAs[Long]("batch_no") === 3L)
  }
}
