package dev.flotilla.vm;

/** The provider in use cannot do what was asked, such as memory snapshots on EC2. */
public class UnsupportedCapabilityException extends VmException {
  private static final long serialVersionUID = 1L;

  private final Capability capability;
  private final String provider;

  /**
   * @param capability what is missing
   * @param provider the api id of the provider that lacks it
   */
  public UnsupportedCapabilityException(Capability capability, String provider) {
    super("The '" + provider + "' provider does not support " + capability.description()
        + " (capability " + capability + "); use a cloud that has it [in code: check VmClient.capabilities(node)"
        + " before calling].");
    this.capability = capability;
    this.provider = provider;
  }

  /** The capability that is missing. */
  public Capability capability() {
    return capability;
  }

  /** The api id of the provider that lacks it. */
  public String provider() {
    return provider;
  }
}
