package dev.flotilla.vm;

/**
 * An instance type or flavor: a named size with CPUs, memory and swap (StratusLab's
 * {@code stratus-describe-instance} columns, OpenStack's flavors, EC2's instance types).
 *
 * @param name the name, such as {@code m1.small}
 * @param cpus the number of CPUs
 * @param memoryMb memory in MB
 * @param swapMb swap in MB (0 where the cloud has none)
 * @param isDefault whether nodes that name no type get this one
 */
public record InstanceType(String name, int cpus, int memoryMb, int swapMb, boolean isDefault) {
  /** Checks the values. */
  public InstanceType {
    if (name == null || name.isBlank()) {
      throw new ConfigurationException(null, "type.name", "an instance type needs a name");
    }
    if (cpus <= 0 || memoryMb <= 0 || swapMb < 0) {
      throw new ConfigurationException(null, "type." + name, "needs cpus and memory above 0 and swap of 0 or more,"
          + " got cpus=" + cpus + " memoryMb=" + memoryMb + " swapMb=" + swapMb);
    }
  }
}
