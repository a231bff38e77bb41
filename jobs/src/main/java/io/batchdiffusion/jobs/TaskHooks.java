package io.batchdiffusion.jobs;

/**
 * Observation points inside a render task. The job runs with no hooks; {@code
 * spark.batchdiffusion.taskHooks} names an implementation (public no-argument constructor) for tests
 * that must fail a task at a precise moment.
 */
public interface TaskHooks {

    TaskHooks NONE = new TaskHooks() {};

    /** Called after an image is stored; {@code storedInTask} counts this task's stores so far. */
    default void afterImageStored(String key, int storedInTask, int tasksRowsTotal) {}

    static TaskHooks load(String className) {
        if (className == null || className.isBlank()) {
            return NONE;
        }
        try {
            return (TaskHooks)
                    Class.forName(className, true, Thread.currentThread().getContextClassLoader())
                            .getDeclaredConstructor()
                            .newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("cannot create task hooks " + className, e);
        }
    }
}
