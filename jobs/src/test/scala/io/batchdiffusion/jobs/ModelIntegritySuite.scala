package io.batchdiffusion.jobs

import java.nio.file.{Files, Path}

import scala.jdk.CollectionConverters._

/**
 * Model files on the executor must be the files the driver described: a file changed in between is
 * refused before any engine is built, and the task fails without writing an image.
 */
class ModelIntegritySuite extends SparkSuite {

  override protected def sparkConf: Map[String, String] =
    Map(RenderJob.CONF_ENGINE_FACTORY -> classOf[RecordingEngineFactory].getName)

  private def copyModel(name: String): Path = {
    val target = tmp.resolve(name)
    Files.walk(defaultModel).iterator().asScala.foreach { source =>
      val relative = defaultModel.relativize(source)
      if (!relative.toString.startsWith("goldens")) {
        if (Files.isDirectory(source)) Files.createDirectories(target.resolve(relative.toString))
        else Files.copy(source, target.resolve(relative.toString))
      }
    }
    // A fingerprint of its own: an engine already loaded in this JVM for the original model (by an
    // earlier suite) would otherwise be reused without looking at the files again, rightly.
    val index = target.resolve("model_index.json")
    Files.writeString(index, Files.readString(index).replaceFirst("\\{", s"{\n  \"_test_copy\": \"$name\","))
    target
  }

  private def messages(t: Throwable): String =
    Iterator.iterate(t)(_.getCause).takeWhile(_ != null).map(String.valueOf(_)).mkString("\n")

  private def withTampering[T](body: => T): T = {
    val hadoop = spark.sparkContext.hadoopConfiguration
    hadoop.set("fs.file.impl", classOf[TamperingFileSystem].getName)
    hadoop.setBoolean("fs.file.impl.disable.cache", true)
    try body
    finally {
      hadoop.unset("fs.file.impl")
      hadoop.unset("fs.file.impl.disable.cache")
    }
  }

  Seq("cache", "broadcast").foreach { distribution =>
    test(s"a weights file changed after the driver described the model fails the task before any image ($distribution)") {
      val model = copyModel(s"model-$distribution")
      // the UNet's first weights file (the shipped model's UNet is sharded)
      val weights = Files.list(model.resolve("unet")).iterator().asScala
        .filter(_.getFileName.toString.endsWith(".safetensors")).toSeq.minBy(_.getFileName.toString)
      TamperingFileSystem.arm(weights)
      val created = RecordingEngineFactory.created.get
      val runId = s"tampered-$distribution"
      val started = System.nanoTime()
      val e = intercept[Exception] {
        withTampering {
          RenderJob.run(spark, JobOptions.parse("--catalogue", sampleCatalogue.toString, "--output",
            tmp.resolve("out").toString, "--model", model.toString, "--num-inference-steps", "2",
            "--model-distribution", distribution, "--run-id", runId))
        }
      }
      val seconds = (System.nanoTime() - started) / 1e9
      assert(TamperingFileSystem.tampered, "the file was changed between description and rendering")
      val text = messages(e)
      assert(text.contains("ModelIntegrityException"), text)
      assert(text.contains(s"does not match its fingerprint: unet/${weights.getFileName} (expected sha256"),
        text)
      assert(RecordingEngineFactory.created.get === created, "no engine was built from the tampered files")
      val runRoot = tmp.resolve("out").resolve(runId)
      val images = runRoot.resolve("images")
      val written = if (Files.exists(images)) Files.walk(images).iterator().asScala.count(_.toString.endsWith(".png")) else 0
      assert(written === 0)
      assert(!Files.exists(runRoot.resolve("manifest.json")))
      info(f"failed after $seconds%.1f s: ${text.linesIterator.find(_.contains("fingerprint")).get.take(160)}")
    }
  }

  test("a model folder holding a pickle checkpoint is refused on the driver, by name, before any engine is built") {
    val model = copyModel("model-pickle")
    Files.write(model.resolve("unet/diffusion_pytorch_model.bin"), Array[Byte](0x80.toByte, 4, '.'.toByte))
    val created = RecordingEngineFactory.created.get
    val e = intercept[IllegalArgumentException] {
      RenderJob.run(spark, JobOptions.parse("--catalogue", sampleCatalogue.toString, "--output",
        tmp.resolve("out").toString, "--model", model.toString, "--run-id", "pickle"))
    }
    assert(e.getMessage.contains(s"model folder $model holds unet/diffusion_pytorch_model.bin: refusing a .bin file"),
      e.getMessage)
    assert(RecordingEngineFactory.created.get === created)
  }
}
