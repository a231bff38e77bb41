package io.batchdiffusion.jobs

import java.net.{InetAddress, ServerSocket}
import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path}
import java.util.concurrent.TimeUnit

import scala.collection.mutable.ArrayBuffer
import scala.jdk.CollectionConverters._
import scala.util.Using

import org.scalatest.Assertions.fail

/**
 * A Spark standalone cluster on this machine for the packaged suites, every part its own JVM started
 * by the submit/ commands on the project's own jars: a master and two single-core workers, with work
 * folders under `dir` and each process's output in `dir/logs/<name>.log`.
 */
final class StandaloneCluster(repoRoot: Path, dir: Path) {

  private val processes = ArrayBuffer[(String, Process)]()
  val logs: Path = Files.createDirectories(dir.resolve("logs"))

  /** Starts the master and two workers; returns the master URL once both workers registered. */
  def start(): String = {
    val port = Using.resource(new ServerSocket(0, 1, InetAddress.getLoopbackAddress))(_.getLocalPort)
    val master = s"spark://127.0.0.1:$port"
    launch("master", Seq(submit("standalone"), "master", "--host", "127.0.0.1", "--port", port.toString,
      "--webui-port", "0"))
    awaitLog("master", "I have been elected leader", 1)
    for (i <- 1 to 2) {
      launch(s"worker-$i", Seq(submit("standalone"), "worker", master, "--host", "127.0.0.1", "--cores", "1",
        "--memory", "2g", "--webui-port", "0", "--work-dir", workDir(i).toString))
    }
    awaitLog("master", "Registering worker", 2)
    master
  }

  /** Worker `i`'s work folder: `<app>/<executor id>/stderr` holds each executor's log. */
  def workDir(i: Int): Path = Files.createDirectories(dir.resolve(s"work-$i"))

  def submit(name: String): String = repoRoot.resolve("submit").resolve(name).toString

  /** Starts a command from the repository root, output to logs/<name>.log, on the project's own jars. */
  def launch(name: String, command: Seq[String]): Process = {
    val builder = new ProcessBuilder(command.asJava)
      .directory(repoRoot.toFile)
      .redirectErrorStream(true)
      .redirectOutput(logs.resolve(s"$name.log").toFile)
    val env = builder.environment()
    env.remove("SPARK_HOME") // the no-distribution path; a distribution would serve the same commands
    env.put("BATCHDIFFUSION_NO_BUILD", "1") // `mvn verify` packaged the jars just before
    env.put("SPARK_LOCAL_IP", "127.0.0.1")
    env.put("DAEMON_MEMORY", "512m")
    env.put("DRIVER_MEMORY", "1g")
    val process = builder.start()
    processes += name -> process
    process
  }

  /** Waits until `name`'s log holds `count` lines containing `text`; fails early if the process died. */
  def awaitLog(name: String, text: String, count: Int): Unit = {
    val deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3)
    val process = processes.find(_._1 == name).get._2
    def seen = log(name).linesIterator.count(_.contains(text))
    while (seen < count) {
      if (!process.isAlive) fail(s"$name exited (${process.exitValue()}):\n${StandaloneCluster.tail(log(name))}")
      if (System.nanoTime() > deadline) fail(s"$name did not log '$text' $count times:\n${StandaloneCluster.tail(log(name))}")
      Thread.sleep(500)
    }
  }

  def log(name: String): String = StandaloneCluster.read(logs.resolve(s"$name.log"))

  /** Stops every process started here and the executors the workers launched. */
  def stop(): Unit = {
    val all = processes.reverse.toList.flatMap { case (_, p) =>
      p.toHandle.descendants().iterator().asScala.toList :+ p.toHandle
    }
    all.foreach(_.destroy())
    all.foreach { handle =>
      try handle.onExit().get(20, TimeUnit.SECONDS)
      catch { case _: Exception => handle.destroyForcibly() }
    }
    processes.clear()
  }
}

object StandaloneCluster {
  def read(file: Path): String =
    if (Files.exists(file)) new String(Files.readAllBytes(file), StandardCharsets.UTF_8) else ""

  def tail(log: String): String = log.linesIterator.toSeq.takeRight(60).mkString("\n")
}
