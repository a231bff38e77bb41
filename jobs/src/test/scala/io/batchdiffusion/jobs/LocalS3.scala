package io.batchdiffusion.jobs

import java.net.URI
import java.nio.file.{Files, Path}

import scala.jdk.CollectionConverters._

import org.eclipse.jetty.util.component.AbstractLifeCycle
import org.gaul.s3proxy.{AuthenticationType, S3Proxy}
import org.jclouds.ContextBuilder
import org.jclouds.blobstore.{BlobStore, BlobStoreContext}

/**
 * A minimal in-process S3 endpoint (s3proxy over jclouds' in-memory store) that accepts exactly one
 * access key and secret, for tests that need real S3A requests and real 403 answers.
 */
final class LocalS3(val accessKey: String, val secretKey: String) extends AutoCloseable {

  private val context = ContextBuilder.newBuilder("transient").credentials(accessKey, secretKey)
    .build(classOf[BlobStoreContext])
  val blobs: BlobStore = context.getBlobStore

  private val proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:0"))
    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build()
  proxy.start()
  while (proxy.getState != AbstractLifeCycle.STARTED) Thread.sleep(10)

  def endpoint: String = s"http://127.0.0.1:${proxy.getPort}"

  /** S3A settings pointing at this endpoint (credentials not included: tests choose how to pass them). */
  def s3aSettings: Map[String, String] = Map(
    "fs.s3a.endpoint" -> endpoint,
    "fs.s3a.endpoint.region" -> "us-east-1",
    "fs.s3a.path.style.access" -> "true",
    "fs.s3a.connection.ssl.enabled" -> "false",
    "fs.s3a.retry.limit" -> "1",
    "fs.s3a.attempts.maximum" -> "1",
    "fs.s3a.change.detection.mode" -> "none")

  def createBucket(bucket: String): Unit = blobs.createContainerInLocation(null, bucket)

  /** Uploads a local file or folder (recursively) under `prefix`. */
  def upload(bucket: String, prefix: String, local: Path, skip: String => Boolean = _ => false): Unit = {
    val files = if (Files.isDirectory(local)) Files.walk(local).iterator().asScala.filter(Files.isRegularFile(_)).toSeq
    else Seq(local)
    files.foreach { file =>
      val relative = if (Files.isDirectory(local)) local.relativize(file).toString else file.getFileName.toString
      if (!skip(relative)) {
        blobs.putBlob(bucket, blobs.blobBuilder(s"$prefix/$relative").payload(Files.readAllBytes(file)).build())
      }
    }
  }

  override def close(): Unit = {
    proxy.stop()
    context.close()
  }
}
