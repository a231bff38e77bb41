package io.batchdiffusion.jobs

import java.nio.file.{Files, Path, Paths, StandardOpenOption}
import java.util
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

import scala.jdk.CollectionConverters._

import io.batchdiffusion.pipeline.{RenderRequest, RenderedImage}
import org.apache.spark.{SparkEnv, TaskContext}

/** A failure a test throws out of a task on purpose (an Error, so the per-render handling lets it through). */
final class InjectedTaskFailure(message: String) extends Error(message)

/**
 * Cues for [[CueEngineFactory]] and the hooks below, set by a test and read by tasks in the same JVM
 * (local mode). [[reset]] clears them all.
 */
object FaultCues {
  /** Tasks of this partition fail (every attempt) as soon as they ask the engine for a render. */
  @volatile var failPartition: Option[Int] = None
  /** The failing partition waits (at most two minutes) until this holds, e.g. until the other partitions are done. */
  @volatile var failWhen: Int => Boolean = _ => true
  /** Every batch of more than one request throws an OutOfMemoryError. */
  @volatile var oomOnBatches = false
  /** Requests for these prompts throw an OutOfMemoryError even alone. */
  @volatile var oomPrompts: Set[String] = Set.empty
  /** Images of these prompts come back with non-finite values. */
  @volatile var nanPrompts: Set[String] = Set.empty
  /** Milliseconds [[SlowHooks]] waits after each stored image. */
  @volatile var slowMillis = 0L

  /** (partition, request id) of every request the engine was asked for, and of every one it rendered. */
  val asked = new ConcurrentLinkedQueue[(Int, String)]()
  val rendered = new ConcurrentLinkedQueue[(Int, String)]()
  /** Failures thrown by [[ThrowOnceHooks]], and the images its task had stored by then. */
  val thrown = new AtomicInteger()
  val storedBeforeThrow = new AtomicInteger()

  def id(r: RenderRequest): String = s"${r.prompt}|${r.seed}"

  def renderedIds: Seq[String] = rendered.asScala.map(_._2).toSeq

  def reset(): Unit = {
    failPartition = None
    failWhen = _ => true
    oomOnBatches = false
    oomPrompts = Set.empty
    nanPrompts = Set.empty
    slowMillis = 0L
    asked.clear()
    rendered.clear()
    thrown.set(0)
    storedBeforeThrow.set(0)
  }

  private[jobs] def partition: Int = Option(TaskContext.get()).map(_.partitionId()).getOrElse(-1)
}

/** The production engine, failing, running out of memory or emitting NaN images on the cues of [[FaultCues]]. */
class CueEngineFactory extends EngineFactory {
  override def create(modelFolder: Path, scorerFolder: Path, device: DeviceChoice): RenderEngine = {
    val inner = new PipelineEngineFactory().create(modelFolder, scorerFolder, device)
    new RenderEngine {
      override def render(requests: util.List[RenderRequest]): util.List[RenderedImage] = {
        val part = FaultCues.partition
        val reqs = requests.asScala.toSeq
        reqs.foreach(r => FaultCues.asked.add(part -> FaultCues.id(r)))
        if (FaultCues.failPartition.contains(part)) {
          val stage = TaskContext.get().stageId()
          val deadline = System.nanoTime() + 120L * 1000 * 1000 * 1000
          while (!FaultCues.failWhen(stage) && System.nanoTime() < deadline) Thread.sleep(50)
          throw new InjectedTaskFailure(s"injected: partition $part fails")
        }
        if (FaultCues.oomOnBatches && reqs.size > 1) throw new OutOfMemoryError(s"injected: batch of ${reqs.size}")
        reqs.find(r => FaultCues.oomPrompts(r.prompt)).foreach { r =>
          throw new OutOfMemoryError(s"injected: out of memory rendering '${r.prompt}'")
        }
        val images = inner.render(requests).asScala.toSeq
        reqs.foreach(r => FaultCues.rendered.add(part -> FaultCues.id(r)))
        images.map { image =>
          if (!FaultCues.nanPrompts(image.request.prompt)) image
          else new RenderedImage(image.request, image.width, image.height, image.rgb, false, image.millis)
        }.asJava
      }
      override def score(rgb: util.List[Array[Byte]], sizes: util.List[Array[Int]], prompts: util.List[String]) =
        inner.score(rgb, sizes, prompts)
      override def tokenCount(prompt: String): Int = inner.tokenCount(prompt)
      override def maxTokens(): Int = inner.maxTokens()
      override def samplerName(scheduler: String): String = inner.samplerName(scheduler)
    }
  }
}

/** Fails the first attempt of partition 0 once half its images are stored (local mode). */
class ThrowOnceHooks extends TaskHooks {
  override def afterImageStored(key: String, storedInTask: Int, taskRows: Int): Unit = {
    val context = TaskContext.get()
    if (context.partitionId() == 0 && context.attemptNumber() == 0 && context.stageAttemptNumber() == 0 &&
      storedInTask == math.max(1, taskRows / 2)) {
      FaultCues.thrown.incrementAndGet()
      FaultCues.storedBeforeThrow.addAndGet(storedInTask)
      throw new IllegalStateException(s"injected: task fails after storing $storedInTask of $taskRows images")
    }
  }
}

/** Waits [[FaultCues.slowMillis]] (or `spark.batchdiffusion.test.slowMillis`) after each stored image. */
class SlowHooks extends TaskHooks {
  override def afterImageStored(key: String, storedInTask: Int, taskRows: Int): Unit = {
    val conf = Option(SparkEnv.get).map(_.conf.get("spark.batchdiffusion.test.slowMillis", "0").toLong).getOrElse(0L)
    Thread.sleep(math.max(conf, FaultCues.slowMillis))
  }
}

/**
 * Halts its executor JVM (no shutdown hooks, as a kill -9 or a lost host would) after the first image
 * of the first task to get here, once per run: a marker file named by `spark.batchdiffusion.test.haltMarker`
 * records that it happened, for every JVM on the host.
 */
class HaltExecutorHooks extends TaskHooks {
  override def afterImageStored(key: String, storedInTask: Int, taskRows: Int): Unit = {
    val marker = Paths.get(SparkEnv.get.conf.get("spark.batchdiffusion.test.haltMarker"))
    if (storedInTask == 1 && taskRows > 1) {
      val first =
        try {
          Files.write(marker, s"${SparkEnv.get.executorId} $key".getBytes, StandardOpenOption.CREATE_NEW)
          true
        } catch { case _: java.nio.file.FileAlreadyExistsException => false }
      if (first) Runtime.getRuntime.halt(137)
    }
  }
}
