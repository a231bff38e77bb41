package io.batchdiffusion.jobs

import java.nio.file.Path
import java.util
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

import io.batchdiffusion.pipeline.{RenderRequest, RenderedImage}

/**
 * The production engine, recording what it is asked to render: tests name it in
 * `spark.batchdiffusion.engineFactory` to prove which rows cost model time (local mode: one JVM).
 */
class RecordingEngineFactory extends EngineFactory {
  override def create(modelFolder: Path, scorerFolder: Path, device: DeviceChoice): RenderEngine = {
    val inner = new PipelineEngineFactory().create(modelFolder, scorerFolder, device)
    RecordingEngineFactory.created.incrementAndGet()
    new RenderEngine {
      override def render(requests: util.List[RenderRequest]): util.List[RenderedImage] = {
        requests.forEach(r => RecordingEngineFactory.rendered.add(r.prompt))
        inner.render(requests)
      }
      override def score(rgb: util.List[Array[Byte]], sizes: util.List[Array[Int]], prompts: util.List[String]) =
        inner.score(rgb, sizes, prompts)
      override def tokenCount(prompt: String): Int = inner.tokenCount(prompt)
      override def maxTokens(): Int = inner.maxTokens()
      override def samplerName(scheduler: String): String = inner.samplerName(scheduler)
    }
  }
}

object RecordingEngineFactory {
  /** Prompts of every request rendered, in order. */
  val rendered = new ConcurrentLinkedQueue[String]()
  /** Engines built. */
  val created = new AtomicInteger()

  def reset(): Unit = rendered.clear()
}
