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
 * @param diskGb the root disk in GB (0 where the type does not fix it, as on EC2 and StratusLab)
 * @param highAvailability whether the cloud itself restarts VMs of this type when their host fails
 *     (CloudStack's {@code offerha}); false where the cloud says nothing of it
 */
public record InstanceType(String name, int cpus, int memoryMb, int swapMb, boolean isDefault, int diskGb,
    boolean highAvailability) {
  /**
   * The instance types of the StratusLab guide (CPU, RAM MB, swap MB), m1.small the default: what
   * {@code stratus-run-instance} offers, and what the test kit's fake cloud offers too.
   */
  public static final java.util.List<InstanceType> STRATUSLAB_GUIDE = java.util.List.of(
      new InstanceType("c1.medium", 1, 256, 1024, false),
      new InstanceType("c1.xlarge", 4, 2048, 2048, false),
      new InstanceType("m1.large", 2, 512, 1024, false),
      new InstanceType("m1.small", 1, 128, 1024, true),
      new InstanceType("m1.xlarge", 2, 1024, 1024, false),
      new InstanceType("t1.micro", 1, 128, 512, false));

  /** A type whose disk is not part of it. */
  public InstanceType(String name, int cpus, int memoryMb, int swapMb, boolean isDefault) {
    this(name, cpus, memoryMb, swapMb, isDefault, 0, false);
  }

  /** A type the cloud does not restart by itself. */
  public InstanceType(String name, int cpus, int memoryMb, int swapMb, boolean isDefault, int diskGb) {
    this(name, cpus, memoryMb, swapMb, isDefault, diskGb, false);
  }

  /** Checks the values. */
  public InstanceType {
    if (name == null || name.isBlank()) {
      throw new ConfigurationException(null, "type.name", "an instance type needs a name");
    }
    if (cpus <= 0 || memoryMb <= 0 || swapMb < 0 || diskGb < 0) {
      throw new ConfigurationException(null, "type." + name, "needs cpus and memory above 0 and swap of 0 or more,"
          + " got cpus=" + cpus + " memoryMb=" + memoryMb + " swapMb=" + swapMb + " diskGb=" + diskGb);
    }
  }
}
