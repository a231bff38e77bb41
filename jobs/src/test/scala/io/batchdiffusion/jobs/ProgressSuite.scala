package io.batchdiffusion.jobs

import java.io.{ByteArrayOutputStream, PrintStream}
import java.nio.charset.StandardCharsets
import java.nio.file.Path
import java.util

import io.batchdiffusion.pipeline.{RenderRequest, RenderedImage}

/** The driver's progress line, fed by executor heartbeats while a long task is still running. */
class ProgressSuite extends SparkSuite {

  override protected def sparkConf: Map[String, String] = Map(
    RenderJob.CONF_ENGINE_FACTORY -> classOf[SlowEngineFactory].getName,
    "spark.executor.heartbeatInterval" -> "200ms")

  private val Line = """\[progress\] renders (\d+)/(\d+) \((\d+\.\d)%\), (\d+\.\d+) images/s, ETA (\S+)""".r

  test("the driver prints renders done, rate and ETA each interval, moving while a single task is still rendering") {
    val catalogue = tmp.resolve("three.parquet").toString
    spark.read.parquet(sampleCatalogue.toString).orderBy("id").limit(3).coalesce(1).write.parquet(catalogue)
    val captured = new ByteArrayOutputStream()
    val previous = System.out
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8))
    try {
      // One task holding all 3 renders, one per batch: only heartbeats can report them before it ends.
      RenderJob.run(spark, JobOptions.parse("--catalogue", catalogue,
        "--output", tmp.resolve("out").toString, "--model", defaultModel.toString, "--run-id", "progress",
        "--num-inference-steps", "2", "--width", "16", "--height", "16", "--batch-size", "1", "--partitions", "1",
        "--progress-seconds", "1"))
    } finally {
      System.setOut(previous)
    }
    val lines = captured.toString(StandardCharsets.UTF_8).linesIterator.filter(_.startsWith("[progress]")).toSeq
    lines.foreach(l => info(l))
    val parsed = lines.map {
      case Line(done, total, _, rate, eta) => (done.toInt, total.toInt, rate.toDouble, eta)
      case other => fail(s"malformed progress line: $other")
    }
    assert(parsed.nonEmpty, "progress lines were printed")
    assert(parsed.forall(_._2 == 3))
    assert(parsed.exists { case (done, _, _, _) => done > 0 && done < 3 }, "a line counted renders of the running task")
    assert(parsed.map(_._1) === parsed.map(_._1).sorted, "the count never goes back")
    assert(parsed.exists { case (done, _, rate, eta) => done > 0 && rate > 0 && eta.matches("""\d+(s|m\d\ds|h\d\dm)""") })
  }

  test("durations read as seconds, minutes or hours") {
    assert(ProgressListener.formatDuration(42) === "42s")
    assert(ProgressListener.formatDuration(125) === "2m05s")
    assert(ProgressListener.formatDuration(7260) === "2h01m")
  }
}

/** The real pipeline, slowed down so that one task lasts several heartbeats. */
class SlowEngineFactory extends EngineFactory {
  override def create(model: Path, scorer: Path, device: DeviceChoice): RenderEngine = {
    val engine = new PipelineEngineFactory().create(model, scorer, device)
    new RenderEngine {
      override def render(requests: util.List[RenderRequest]): util.List[RenderedImage] = {
        Thread.sleep(1500L * requests.size)
        engine.render(requests)
      }
      override def score(rgb: util.List[Array[Byte]], sizes: util.List[Array[Int]], prompts: util.List[String]) =
        engine.score(rgb, sizes, prompts)
      override def tokenCount(prompt: String): Int = engine.tokenCount(prompt)
      override def maxTokens(): Int = engine.maxTokens()
      override def samplerName(scheduler: String): String = engine.samplerName(scheduler)
    }
  }
}
