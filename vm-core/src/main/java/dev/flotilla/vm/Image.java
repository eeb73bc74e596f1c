package dev.flotilla.vm;

import java.util.Map;
import java.util.Optional;

/**
 * An image a node can boot.
 *
 * @param id the provider's id (AMI id, Glance id, Marketplace id)
 * @param name a readable name, such as {@code debian-12}
 * @param owner who published it ({@code public}, a project, an account), or {@code null}
 * @param tags the image's tags (EC2 tags, Nova metadata, CloudStack tags); an image {@link
 *     Images#save} made carries {@link #SAVED_FROM_TAG}
 */
public record Image(String id, String name, String owner, Map<String, String> tags) {
  /**
   * The tag naming the node an image was saved from. Flotilla deletes only images that carry it, unless told
   * to with force: an image someone else made is not Flotilla's to delete.
   */
  public static final String SAVED_FROM_TAG = "flotilla:saved-from";

  /** Checks the values. */
  public Image {
    if (id == null || id.isBlank()) {
      throw new ConfigurationException(null, "image.id", "an image needs an id");
    }
    if (name == null || name.isBlank()) {
      name = id;
    }
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  /** An image without tags. */
  public Image(String id, String name, String owner) {
    this(id, name, owner, Map.of());
  }

  /** The node this image was saved from, when Flotilla saved it. */
  public Optional<String> savedFrom() {
    return Optional.ofNullable(tags.get(SAVED_FROM_TAG)).filter(s -> !s.isBlank());
  }
}
