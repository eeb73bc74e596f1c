package dev.flotilla.vm;

/**
 * An image a node can boot.
 *
 * @param id the provider's id (AMI id, Glance id, Marketplace id)
 * @param name a readable name, such as {@code debian-12}
 * @param owner who published it ({@code public}, a project, an account), or {@code null}
 */
public record Image(String id, String name, String owner) {
  /** Checks the values. */
  public Image {
    if (id == null || id.isBlank()) {
      throw new ConfigurationException(null, "image.id", "an image needs an id");
    }
    if (name == null || name.isBlank()) {
      name = id;
    }
  }
}
