package dev.flotilla.vm.spi;

/**
 * A provider's facet for changing a VM's instance type (CloudStack's service offering, EC2's instance type,
 * Nova's flavor, OpenNebula's capacity). Present only where the cloud can; see {@link Provider#resizing()}.
 */
public interface Resizing {
  /**
   * Gives VM {@code id} the instance type {@code type} (a name or id as the provider takes them). The client
   * calls it for a stopped VM, and for a running one only where {@link #live()}.
   */
  void resize(String id, String type);

  /** Whether a running VM can be resized where it runs; otherwise only a stopped one. */
  default boolean live() {
    return false;
  }
}
