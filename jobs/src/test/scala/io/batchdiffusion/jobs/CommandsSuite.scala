package io.batchdiffusion.jobs

import java.nio.file.Files
import java.nio.file.attribute.PosixFilePermissions
import java.time.LocalDate

import scala.jdk.CollectionConverters._

import com.fasterxml.jackson.databind.ObjectMapper

/** The submit/ commands' options and conf/ files, in this JVM (the scripts themselves: SubmitSuite). */
class CommandsSuite extends SparkSuite {

  private val day = LocalDate.of(2026, 11, 28)
  private val paths = Seq("--catalogue", "c.parquet", "--output", "out", "--model", "m")

  test("a nightly run is today's dt= partition and resumes, unless told another day, a run id or --no-resume") {
    val today = NightlyJob.options(day, paths: _*)
    assert(today.runId === "dt=2026-11-28")
    assert(today.resume)
    assert(today.runRoot === "out/dt=2026-11-28")
    assert(NightlyJob.options(day, (paths ++ Seq("--date", "2026-01-02")): _*).runId === "dt=2026-01-02")
    assert(NightlyJob.options(day, (paths :+ "--date=2026-01-03"): _*).runId === "dt=2026-01-03")
    assert(NightlyJob.options(day, (paths ++ Seq("--run-id", "backfill-7")): _*).runId === "backfill-7")
    assert(!NightlyJob.options(day, (paths :+ "--no-resume"): _*).resume)
    val both = intercept[IllegalArgumentException](
      NightlyJob.options(day, (paths ++ Seq("--date", "2026-01-02", "--run-id", "x")): _*))
    assert(both.getMessage.contains("--date or --run-id"))
    val bad = intercept[IllegalArgumentException](NightlyJob.options(day, (paths ++ Seq("--date", "28.11.2026")): _*))
    assert(bad.getMessage.contains("'28.11.2026' is not a date"))
  }

  test("a sweep needs at least one sweep flag") {
    val e = intercept[IllegalArgumentException](SweepJob.options(paths: _*))
    assert(e.getMessage.contains("--seeds"))
    assert(SweepJob.options((paths ++ Seq("--guidance", "3,7.5")): _*).sweep.pointsPerRow === 2)
  }

  test("a nightly run of a day already partly rendered renders only the rest and keeps the earlier images") {
    val firstHalf = tmp.resolve("first-half.parquet").toString
    spark.read.parquet(sampleCatalogue.toString).orderBy("id").limit(4).coalesce(1).write.parquet(firstHalf)
    def nightly(catalogue: String) = RenderJob.run(spark, NightlyJob.options(day, "--catalogue", catalogue,
      "--output", tmp.resolve("nightly").toString, "--model", defaultModel.toString, "--num-inference-steps", "2",
      "--width", "16", "--height", "16"))
    val first = nightly(firstHalf)
    assert(first.runRoot.endsWith("/dt=2026-11-28"))
    val images = tmp.resolve("nightly/dt=2026-11-28/images")
    val before = Files.list(images).iterator().asScala.filter(_.toString.endsWith(".png")).map(p => p.getFileName.toString -> Files.getLastModifiedTime(p)).toMap
    assert(before.size === 4)

    val second = nightly(sampleCatalogue.toString)
    assert(second.plannedThisAttempt === 4, "only the rows the first attempt did not finish")
    assert(second.rows === 8)
    assert(second.countsByStatus.asScala.toMap === Map("OK" -> 8L))
    before.foreach { case (name, modified) =>
      assert(Files.getLastModifiedTime(images.resolve(name)) === modified, s"$name was not written again")
    }
  }

  test("conf/render.properties is a complete set of job options for --conf") {
    val options = JobOptions.parse("--conf", repoRoot.resolve("conf/render.properties").toString)
    assert(options.catalogue === "datasets/catalogues/sample.parquet")
    assert(Files.exists(repoRoot.resolve(options.catalogue)) && Files.isDirectory(repoRoot.resolve(options.model)))
    assert(options.defaults.steps === 20 && options.defaults.guidanceScale === 7.5)
    assert(options.modelDistribution === JobOptions.ModelDistribution.CACHE)
    assert(options.runId === "example" && !options.resume && options.sweep.isEmpty)
    val overridden = JobOptions.parse("--conf", repoRoot.resolve("conf/render.properties").toString, "--seeds", "0-1")
    assert(overridden.sweep.seeds.asScala === Seq(0L, 1L))
  }

  test("the GPU profile asks one GPU per executor and per task, with a discovery script that is there") {
    val profile = SparkDefaults.load(repoRoot.resolve("conf/gpu-cluster.conf"))
    assert(profile("spark.executor.resource.gpu.amount") === "1")
    assert(profile("spark.task.resource.gpu.amount") === "1")
    assert(profile("spark.task.cpus") === profile("spark.executor.cores"), "one task per executor, like its GPU")
    assert(profile("spark.executor.extraJavaOptions").contains(
      s"-Dai.djl.pytorch.num_threads=${profile("spark.executorEnv.OMP_NUM_THREADS")}"))
    val script = repoRoot.resolve(profile("spark.executor.resource.gpu.discoveryScript").replace("{repo}/", ""))
    assert(Files.isExecutable(script))
    val worker = SparkDefaults.load(repoRoot.resolve("conf/gpu-worker.conf"))
    assert(worker("spark.worker.resource.gpu.discoveryScript") === profile("spark.executor.resource.gpu.discoveryScript"))
  }

  test("the GPU discovery script prints Spark's resource JSON from nvidia-smi, or from CUDA_VISIBLE_DEVICES") {
    val bin = Files.createDirectories(tmp.resolve("fake-bin"))
    val smi = bin.resolve("nvidia-smi")
    Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n2\\n'\n")
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"))
    def discover(path: String, env: (String, String)*): (String, Seq[String]) = {
      val builder = new ProcessBuilder("bash", repoRoot.resolve("conf/gpu-discovery.sh").toString)
      builder.environment().put("PATH", path)
      builder.environment().remove("CUDA_VISIBLE_DEVICES")
      env.foreach { case (k, v) => builder.environment().put(k, v) }
      val process = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start()
      val out = new String(process.getInputStream.readAllBytes())
      assert(process.waitFor() === 0)
      val json = new ObjectMapper().readTree(out)
      (json.path("name").asText, json.path("addresses").elements().asScala.map(_.asText).toSeq)
    }
    val system = "/usr/bin:/bin"
    assert(discover(s"$bin:$system") === ("gpu", Seq("0", "1", "2")))
    assert(discover(s"$bin:$system", "CUDA_VISIBLE_DEVICES" -> "3,5") === ("gpu", Seq("0", "1")))
    assert(discover(system) === ("gpu", Seq()))
    // Spark's DeviceChoice reads the addresses as CUDA ordinals.
    assert(DeviceChoice.fromResources(Map("gpu" ->
      new org.apache.spark.resource.ResourceInformation("gpu", Array("1"))).asJava) === DeviceChoice.gpu(1))
  }
}
