package io.batchdiffusion.jobs

import java.nio.file.Files
import java.util.concurrent.TimeUnit

import scala.jdk.CollectionConverters._
import scala.util.Using

import com.fasterxml.jackson.databind.ObjectMapper
import org.scalatest.Tag

/**
 * Tests that run the submit/ commands on the packaged jars: `mvn verify` runs them in the
 * integration-test phase, after `package` (`mvn test` leaves them out).
 */
object PackagedTest extends Tag("io.batchdiffusion.jobs.PackagedTest")

/**
 * A Spark standalone cluster on this machine, every part its own JVM: a master and two workers
 * started with `submit/standalone`, each worker launching one single-core executor, and the job
 * submitted by `submit/render --master spark://...`, all without a Spark distribution (the project's
 * own jars, as `submit/` uses them when `SPARK_HOME` is unset). The run writes to an S3 server in
 * this JVM, so the executors' S3A (and its AWS SDK) is exercised too.
 */
class ClusterSuite extends SparkSuite {

  private var cluster: StandaloneCluster = _
  private var s3: S3TestServer = _
  private val Bucket = "cluster-renders"

  override protected def sparkConf: Map[String, String] = s3.sparkSettings

  override protected def beforeAll(): Unit = {
    // Runs only when a test of this suite is expected (mvn test leaves PackagedTest out).
    s3 = S3TestServer.start()
    s3.createBucket(Bucket)
    super.beforeAll()
  }

  test("a standalone master and two workers render every row, loading the pipeline once per executor JVM", PackagedTest) {
    cluster = new StandaloneCluster(repoRoot, tmp)
    val master = cluster.start()

    val driver = cluster.launch("driver", Seq(cluster.submit("render"), "--master", master,
      "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
      "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2", "--conf", "spark.executor.memory=1g",
      // Start only once both executors are there, so that both take tasks.
      "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
      "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=300s",
      "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
      "--conf", s"${RenderJob.CONF_MODEL_CACHE}=${tmp.resolve("model-cache")}") ++
      s3.sparkSettings.toSeq.flatMap { case (k, v) => Seq("--conf", s"$k=$v") } ++ Seq(
      "--", "--catalogue", sampleCatalogue.toString, "--output", s"s3a://$Bucket/runs", "--model", defaultModel.toString,
      "--run-id", "cluster", "--num-inference-steps", "2", "--partitions", "4", "--batch-size", "2",
      "--progress-seconds", "5"))
    val finished = driver.waitFor(8, TimeUnit.MINUTES)
    val driverLog = cluster.log("driver")
    assert(finished, s"the driver did not finish:\n${tail(driverLog)}")
    assert(driver.exitValue() === 0, tail(driverLog))
    info(driverLog.linesIterator.filter(l => l.startsWith("summary:") || l.startsWith("[progress]")).mkString("\n"))
    assert(driverLog.contains("summary: 8 renders, 0 failures"), tail(driverLog))

    val rows = spark.read.parquet(s"s3a://$Bucket/runs/cluster/results").collect()
    assert(rows.length === 8)
    rows.foreach { row =>
      assert(row.getAs[String]("status") === "OK", String.valueOf(row.getAs[String]("error")))
      val key = s"runs/cluster/images/${row.getAs[String]("key")}.png"
      assert(row.getAs[String]("image_path") === s"s3a://$Bucket/$key")
      assert(RenderKeys.sha256Hex(s3.get(Bucket, key)) === row.getAs[String]("image_sha256"))
    }
    assert(s3.list(Bucket, "runs/cluster/images/").count(_.endsWith(".png")) === 8)
    val executors = rows.map(_.getAs[String]("executor_id")).toSet
    assert(executors.size === 2, s"both executors rendered: $executors")
    assert(!executors.contains("driver"))

    val manifest = new ObjectMapper().readTree(s3.get(Bucket, "runs/cluster/manifest.json"))
    val counters = manifest.path("counters")
    assert(counters.path("engine_loads").asLong === executors.size, "one pipeline load per executor JVM")
    assert(counters.path("render_calls").asLong > executors.size, "executors reused their pipeline across batches")

    // Each executor JVM logged its own single load (worker work dirs: <app>/<executor id>/stderr).
    val loadsByExecutor = (1 to 2).flatMap { i =>
      Using.resource(Files.walk(cluster.workDir(i))) { paths =>
        paths.iterator().asScala.filter(_.getFileName.toString == "stderr").toList
      }
    }.map { stderr =>
      stderr.getParent.getFileName.toString -> read(stderr).linesIterator.count(_.contains("ExecutorEngines: loaded model"))
    }.toMap
    assert(loadsByExecutor === executors.map(_ -> 1).toMap)
    assert(driverLog.linesIterator.count(_.contains("ExecutorEngines: loaded model")) === 0,
      "the driver never loads the pipeline")
    // Executors put the AWS SDK bundle after Spark's jars (its unshaded netty and slf4j lose).
    val launches = (1 to 2).flatMap(i => cluster.log(s"worker-$i").linesIterator.filter(_.contains("Launch command")))
    assert(launches.nonEmpty && launches.forall(_.matches(""".*spark-home/jars/\*:[^"]*spark-home/extra/\*.*""")), launches)
  }

  override protected def afterAll(): Unit = {
    try if (cluster != null) cluster.stop()
    finally {
      try super.afterAll()
      finally if (s3 != null) s3.stop()
    }
  }

  private def read(file: java.nio.file.Path): String = StandaloneCluster.read(file)

  private def tail(log: String): String = StandaloneCluster.tail(log)
}
