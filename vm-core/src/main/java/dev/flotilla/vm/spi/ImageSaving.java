package dev.flotilla.vm.spi;

import dev.flotilla.vm.Image;
import dev.flotilla.vm.Snapshot;
import java.util.Map;
import java.util.Optional;

/**
 * A provider's facet for saving VMs as images new nodes can boot (EC2's CreateImage, Nova's createImage,
 * CloudStack's createTemplate). Present only where the cloud can; see {@link Provider#imageSaving()}.
 */
public interface ImageSaving {
  /**
   * Saves VM {@code id} as an image named {@code name}, with {@code tags} on the image from the start (or,
   * where the cloud cannot, before this returns: an image left without them is deleted).
   */
  Image save(String id, String name, Map<String, String> tags);

  /** Image {@code imageId} with its tags, or empty when the cloud does not know it. */
  Optional<Image> image(String imageId);

  /**
   * Whether an image made by {@link #save} can boot nodes yet: CREATING while the cloud copies the disk,
   * READY, or ERROR; empty when the cloud no longer knows it. The default says READY at once, for clouds
   * whose save returns a bootable image.
   */
  default Optional<Snapshot.Status> status(String imageId) {
    return Optional.of(Snapshot.Status.READY);
  }

  /** Deletes (deregisters) an image made by {@link #save}. */
  void delete(String imageId);
}
