package io.batchdiffusion.jobs

import java.nio.file.{Files, Path, Paths}

import org.apache.spark.sql.SparkSession
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite

/** One local SparkSession per suite (two task slots, no UI, loopback only), as Iceberg's TestBase does. */
abstract class SparkSuite extends AnyFunSuite with BeforeAndAfterAll {

  protected var spark: SparkSession = _
  protected var tmp: Path = _

  /** Extra Spark settings a suite needs (e.g. an engine factory or task hooks). */
  protected def sparkConf: Map[String, String] = Map.empty

  override protected def beforeAll(): Unit = {
    super.beforeAll()
    tmp = Files.createTempDirectory(getClass.getSimpleName)
    val builder = SparkSession.builder()
      .master("local[2]")
      .appName(getClass.getSimpleName)
      .config("spark.ui.enabled", "false")
      .config("spark.driver.host", "127.0.0.1")
      .config("spark.driver.bindAddress", "127.0.0.1")
      .config("spark.sql.shuffle.partitions", "4")
      .config(RenderJob.CONF_MODEL_CACHE, tmp.resolve("model-cache").toString)
    sparkConf.foreach { case (k, v) => builder.config(k, v) }
    spark = builder.getOrCreate()
  }

  override protected def afterAll(): Unit = {
    try {
      if (spark != null) spark.stop()
    } finally {
      SparkSession.clearActiveSession()
      SparkSession.clearDefaultSession()
      super.afterAll()
    }
  }

  /** The repository root (the folder holding models/ and datasets/). */
  protected def repoRoot: Path = {
    var dir = Paths.get("").toAbsolutePath
    while (!Files.isDirectory(dir.resolve("models")) || !Files.isDirectory(dir.resolve("datasets"))) dir = dir.getParent
    dir
  }

  protected def defaultModel: Path = repoRoot.resolve("models/shapes-sd")

  protected def sampleCatalogue: Path = repoRoot.resolve("datasets/catalogues/sample.parquet")
}
