package example;

import dev.flotilla.vm.Node;

/** The nodes the examples' tests deploy. */
final class Nodes {
  private Nodes() {}

  static Node node(String name) {
    return Node.builder(name).image("debian-12").type("m1.small").build();
  }
}
