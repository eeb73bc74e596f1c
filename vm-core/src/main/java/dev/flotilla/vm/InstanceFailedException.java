package dev.flotilla.vm;

/** A VM went to {@link Lifecycle.State#ERROR} while Flotilla waited on it; the wait stops at once. */
public class InstanceFailedException extends VmException {
  private static final long serialVersionUID = 1L;

  private final Instance instance;

  /** @param instance the VM as last observed, in ERROR */
  public InstanceFailedException(Instance instance) {
    super("VM " + instance.id() + instance.nodeName().map(n -> " of node " + n).orElse("")
        + " went to ERROR (provider state '" + instance.providerState() + "'"
        + instance.fault().map(f -> ": " + f).orElse("") + "). It still exists; remove it with 'vm rm"
        + instance.nodeName().map(n -> " " + n).orElse("") + "' and start the node again [in code: VmClient.destroy,"
        + " then start].");
    this.instance = instance;
  }

  /** The VM as last observed. */
  public Instance instance() {
    return instance;
  }
}
