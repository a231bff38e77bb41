package org.apache.spark

/** Test access to the driver's listener bus, which Spark keeps package-private. */
object ListenerBuses {

  /** Returns once every event posted so far has reached every listener (the event log included). */
  def drain(sc: SparkContext): Unit = sc.listenerBus.waitUntilEmpty()
}
