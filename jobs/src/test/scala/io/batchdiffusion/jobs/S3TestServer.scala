package io.batchdiffusion.jobs

import java.net.URI
import java.nio.file.{Files, Path}
import java.util.{Properties, UUID}

import scala.collection.mutable
import scala.jdk.CollectionConverters._
import scala.util.Using

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.FileSystem
import org.eclipse.jetty.util.component.AbstractLifeCycle
import org.gaul.s3proxy.{AuthenticationType, S3Proxy}
import org.jclouds.ContextBuilder
import org.jclouds.blobstore.options.ListContainerOptions
import org.jclouds.blobstore.{BlobStore, BlobStoreContext}

/**
 * A real S3 endpoint for tests: S3Proxy over a jclouds blob store, in this JVM, on loopback, with AWS
 * signature checking. Spark reaches it through S3A with [[sparkSettings]] (or [[hadoopSettings]]);
 * the test reads and writes objects directly through [[blobStore]], which bypasses the HTTP layer and
 * any `wrap`per, so checks see exactly what was stored.
 *
 * {{{
 * val s3 = S3TestServer.start()
 * s3.createBucket("models")
 * s3.putFolder("models", "sd/tiny", localFolder)
 * SparkSession.builder().config(s3.sparkSettings)...   // s3a://models/sd/tiny
 * s3.list("renders", "runs/") ; s3.get("renders", "runs/r1/manifest.json")
 * s3.stop()
 * }}}
 *
 * S3A caches one file system per bucket name in the JVM: [[stop]] closes those of the buckets this
 * server created, so a later server may reuse the names.
 */
final class S3TestServer private (
    proxy: S3Proxy,
    context: BlobStoreContext,
    val accessKey: String,
    val secretKey: String) extends AutoCloseable {

  /** The store behind the endpoint, without any wrapper given to [[S3TestServer.start]]. */
  val blobStore: BlobStore = context.getBlobStore

  private val buckets = mutable.LinkedHashSet[String]()

  def port: Int = proxy.getPort

  def endpoint: String = s"http://127.0.0.1:$port"

  /** The `fs.s3a.*` settings that point S3A at this server: endpoint, path-style, credentials, no TLS, region. */
  def hadoopSettings: Map[String, String] = Map(
    "fs.s3a.endpoint" -> endpoint,
    "fs.s3a.endpoint.region" -> S3TestServer.Region,
    "fs.s3a.path.style.access" -> "true",
    "fs.s3a.connection.ssl.enabled" -> "false",
    "fs.s3a.aws.credentials.provider" -> "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
    "fs.s3a.access.key" -> accessKey,
    "fs.s3a.secret.key" -> secretKey,
    // Fail fast in tests instead of S3A's minutes of production retries.
    "fs.s3a.retry.limit" -> "2",
    "fs.s3a.retry.interval" -> "50ms",
    "fs.s3a.attempts.maximum" -> "2",
    "fs.s3a.connection.establish.timeout" -> "5s",
    "fs.s3a.connection.timeout" -> "30s")

  /** [[hadoopSettings]] as Spark settings (`spark.hadoop.fs.s3a.*`). */
  def sparkSettings: Map[String, String] = hadoopSettings.map { case (k, v) => s"spark.hadoop.$k" -> v }

  /** A Hadoop configuration with [[hadoopSettings]] applied (on a copy of `base`). */
  def configure(base: Configuration = new Configuration()): Configuration = {
    val conf = new Configuration(base)
    hadoopSettings.foreach { case (k, v) => conf.set(k, v) }
    conf
  }

  def createBucket(name: String): String = {
    blobStore.createContainerInLocation(null, name)
    buckets += name
    name
  }

  /** A fresh bucket named `prefix-<random>`. */
  def createUniqueBucket(prefix: String): String =
    createBucket(s"$prefix-${UUID.randomUUID().toString.take(8)}")

  def put(bucket: String, key: String, bytes: Array[Byte]): Unit =
    blobStore.putBlob(bucket, blobStore.blobBuilder(key).payload(bytes).contentLength(bytes.length.toLong).build())

  def putFile(bucket: String, key: String, file: Path): Unit = put(bucket, key, Files.readAllBytes(file))

  /**
   * Uploads every file under `folder` to `prefix/<relative path>`, except those whose relative path
   * `skip` accepts; returns the keys written.
   */
  def putFolder(bucket: String, prefix: String, folder: Path, skip: String => Boolean = _ => false): Seq[String] =
    Using.resource(Files.walk(folder)) { paths =>
      paths.iterator().asScala.filter(Files.isRegularFile(_)).toSeq.sorted.flatMap { file =>
        val relative = folder.relativize(file).toString.replace('\\', '/')
        if (skip(relative)) None
        else {
          val key = if (prefix.isEmpty) relative else s"${prefix.stripSuffix("/")}/$relative"
          putFile(bucket, key, file)
          Some(key)
        }
      }
    }

  /** Every object key under `prefix`, sorted (directory markers end with `/`). */
  def list(bucket: String, prefix: String = ""): Seq[String] = {
    val keys = mutable.ArrayBuffer[String]()
    var marker: String = null
    var more = true
    while (more) {
      val options = ListContainerOptions.Builder.recursive()
      if (prefix.nonEmpty) options.prefix(prefix)
      if (marker != null) options.afterMarker(marker)
      val page = blobStore.list(bucket, options)
      keys ++= page.asScala.map(_.getName)
      marker = page.getNextMarker
      more = marker != null
    }
    keys.distinct.sorted.toSeq
  }

  def exists(bucket: String, key: String): Boolean = blobStore.blobExists(bucket, key)

  def get(bucket: String, key: String): Array[Byte] = {
    val blob = blobStore.getBlob(bucket, key)
    require(blob != null, s"no object s3://$bucket/$key")
    Using.resource(blob.getPayload.openStream())(_.readAllBytes())
  }

  def delete(bucket: String, key: String): Unit = blobStore.removeBlob(bucket, key)

  /** Keys of multipart uploads started in `bucket` and neither completed nor aborted. */
  def pendingUploads(bucket: String): Seq[String] =
    blobStore.listMultipartUploads(bucket).asScala.map(_.blobName()).toSeq

  /** Stops the endpoint and closes S3A's cached file systems of this server's buckets. */
  def stop(): Unit = {
    val conf = configure()
    buckets.foreach { bucket =>
      try FileSystem.get(new URI(s"s3a://$bucket/"), conf).close()
      catch { case _: Exception => () }
    }
    try proxy.stop()
    finally context.close()
  }

  override def close(): Unit = stop()
}

object S3TestServer {

  val Region = "us-east-1"
  val DefaultAccessKey = "AKIATESTBATCHDIFFUSION"
  val DefaultSecretKey = "test-secret-key-for-s3proxy-only"

  /**
   * Starts a server on a free loopback port.
   *
   * @param storage `None`: jclouds' in-memory "transient" store; `Some(dir)`: the "filesystem" store in `dir`
   * @param wrap    decorates the store the endpoint serves (fault injection: wrap in a
   *                `org.jclouds.blobstore.util.ForwardingBlobStore` that fails chosen calls)
   */
  def start(
      accessKey: String = DefaultAccessKey,
      secretKey: String = DefaultSecretKey,
      storage: Option[Path] = None,
      wrap: BlobStore => BlobStore = identity): S3TestServer = {
    val properties = new Properties()
    val provider = storage match {
      case Some(dir) =>
        Files.createDirectories(dir)
        properties.setProperty("jclouds.filesystem.basedir", dir.toString)
        "filesystem"
      case None => "transient"
    }
    val context = ContextBuilder.newBuilder(provider)
      .credentials("identity", "credential")
      .overrides(properties)
      .build(classOf[BlobStoreContext])
    val proxy = S3Proxy.builder()
      .blobStore(wrap(context.getBlobStore))
      .endpoint(URI.create("http://127.0.0.1:0"))
      .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
      .build()
    proxy.start()
    val deadline = System.nanoTime() + 30L * 1000 * 1000 * 1000
    while (proxy.getState != AbstractLifeCycle.STARTED) {
      if (System.nanoTime() > deadline) {
        context.close()
        throw new IllegalStateException(s"S3Proxy did not start: ${proxy.getState}")
      }
      Thread.sleep(10)
    }
    new S3TestServer(proxy, context, accessKey, secretKey)
  }
}
