package io.batchdiffusion.jobs

import java.nio.file.{Files, Path, Paths}

import org.apache.hadoop.fs.{FSDataInputStream, LocalFileSystem, Path => HPath}

/**
 * The local file system, except that it changes one byte of `TamperingFileSystem.target` as soon as
 * the driver has finished hashing it: at the first open of any other file after the target's. The
 * model description reads files one at a time, so the fingerprint holds the original bytes and every
 * later reader (executor checks, broadcast reads) sees the tampered ones.
 */
class TamperingFileSystem extends LocalFileSystem {
  override def open(f: HPath, bufferSize: Int): FSDataInputStream = {
    TamperingFileSystem.beforeOpen(Paths.get(f.toUri.getPath))
    super.open(f, bufferSize)
  }
}

object TamperingFileSystem {
  private var target: Path = _
  private var targetOpened = false
  @volatile var tampered = false

  def arm(file: Path): Unit = synchronized {
    target = file
    targetOpened = false
    tampered = false
  }

  private def beforeOpen(file: Path): Unit = synchronized {
    if (target != null && !tampered) {
      if (file == target) targetOpened = true
      else if (targetOpened) {
        val bytes = Files.readAllBytes(target)
        bytes(bytes.length - 1) = (bytes(bytes.length - 1) ^ 1).toByte // the last weight byte: still a valid file
        Files.write(target, bytes)
        tampered = true
      }
    }
  }
}
