package dev.flotilla.vm;

import dev.flotilla.vm.spi.ImageSaving;
import dev.flotilla.vm.spi.Provider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The images of a profile, and the images saved from one node's VM: {@code client.images(node)}, or
 * {@code client.images()} for the client's profile. Only an image Flotilla saved (it carries {@link
 * Image#SAVED_FROM_TAG}) is deleted without force.
 */
public final class Images {
  private final Engine engine;
  private final Node node;

  Images(Engine engine, Node node) {
    this.engine = engine;
    this.node = node;
  }

  /** The images nodes of the profile can boot. */
  public List<Image> list() {
    Provider p = engine.providerFor(node);
    return engine.backoff.retry(p::images);
  }

  /**
   * Saves the node's VM as an image that new nodes can name as theirs, tagged with the node it was saved from,
   * and waits until the image can boot them. A save that fails leaves no image behind.
   *
   * @throws UnsupportedCapabilityException when the provider cannot save VMs as images
   * @throws IllegalStateException when these are the images of a profile, not of a node
   */
  public Image save(String name) {
    if (node == null) {
      throw new IllegalStateException("save needs a node: use client.images(node).save(name)");
    }
    Engine.Target t = engine.single(node, "save an image of", null);
    ImageSaving saving = Engine.facet(t.provider, Capability.SNAPSHOT_TO_IMAGE, Provider::imageSaving);
    // some clouds stop the VM to copy its disk (CloudStack) or reboot it (EC2): while the save lasts, its
    // record says a Flotilla call stopped it, so an HA supervisor does not start it in the middle of the copy
    boolean marked = t.node.stoppedAt().isEmpty();
    if (marked) {
      engine.stoppedAt(t, engine.clock.instant());
    }
    try {
      return saved(t, saving, name);
    } finally {
      if (marked) {
        engine.stoppedAt(t, null);
      }
    }
  }

  /**
   * Deletes image {@code imageId}, which {@link #save} made (it carries {@link Image#SAVED_FROM_TAG}).
   *
   * @throws CloudException of kind NOT_FOUND when the cloud has no such image
   * @throws VmException when the image is not one Flotilla saved
   */
  public void delete(String imageId) {
    delete(imageId, false);
  }

  /**
   * Deletes image {@code imageId}: one {@link #save} made, or with {@code force} any image the caller has made
   * sure is theirs.
   *
   * @throws CloudException of kind NOT_FOUND when the cloud has no such image
   * @throws VmException when the image is not one Flotilla saved and {@code force} is false
   */
  public void delete(String imageId, boolean force) {
    Provider p = engine.providerFor(node);
    ImageSaving saving = Engine.facet(p, Capability.SNAPSHOT_TO_IMAGE, Provider::imageSaving);
    Image image = engine.backoff.retry(() -> saving.image(imageId)).orElseThrow(() -> new CloudException(
        CloudException.Kind.NOT_FOUND, p.api(), null, "the cloud has no image " + imageId + "; 'vm images' lists"
        + " those it has [in code: client.images().list()]"));
    if (!force && image.savedFrom().isEmpty()) {
      throw new VmException("image " + imageId + " ('" + image.name() + "') was not saved by Flotilla (it has no "
          + Image.SAVED_FROM_TAG + " tag), so it is not deleted; if it is yours to delete, add --force"
          + " [in code: client.images().delete(id, true)]");
    }
    engine.backoff.retry(() -> saving.delete(imageId));
  }

  private Image saved(Engine.Target t, ImageSaving saving, String name) {
    Map<String, String> tags = Map.of(Image.SAVED_FROM_TAG, t.node.name(), Instance.PROFILE_TAG, t.profile);
    Image image = engine.backoff.retry(() -> saving.save(t.vmId(), name, tags));
    Map<String, String> lastSeen = new LinkedHashMap<>();
    try {
      return engine.waiter.until(() -> {
        Optional<Snapshot.Status> status = engine.backoff.retry(() -> saving.status(image.id()));
        lastSeen.put(image.id(), status.map(Enum::name).orElse("not listed"));
        if (status.isEmpty() || status.get() == Snapshot.Status.ERROR) {
          throw new CloudException(CloudException.Kind.UNKNOWN, t.provider.api(), null, "image '" + name + "' ("
              + image.id() + ") of " + t.subject() + " is " + lastSeen.get(image.id()));
        }
        return status.filter(s -> s == Snapshot.Status.READY).map(s -> image);
      }, elapsed -> new WaitTimeoutException("image READY", lastSeen, elapsed));
    } catch (VmException failed) {
      throw withoutImage(saving, image, failed);
    }
  }

  /**
   * A failed save leaves no image behind: the image it began is deleted, or, when that fails too, the error
   * says how to delete it.
   */
  private VmException withoutImage(ImageSaving saving, Image image, VmException failed) {
    try {
      engine.backoff.retry(() -> saving.delete(image.id()));
      return new VmException(failed.getMessage() + "; the unfinished image " + image.id() + " was deleted", failed);
    } catch (CloudException e) {
      if (e.kind() == CloudException.Kind.NOT_FOUND) {
        return new VmException(failed.getMessage() + "; the cloud no longer has image " + image.id(), failed);
      }
      return new VmException(failed.getMessage() + "; image " + image.id() + " may be left: delete it with"
          + " 'vm image-rm " + image.id() + "' [in code: client.images().delete(id)]", failed);
    }
  }
}
