package example;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.testkit.FakeCloud;

/**
 * The README's quick start, on the fake cloud: {@code mvn -f examples/pom.xml compile exec:java}.
 * The regions between the tag comments are the README's snippets, word for word (ReadmeSnippetsTest).
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) {
    // tag::quick-start[]
    FakeCloud cloud = FakeCloud.create();
    VmClient client = VmClient.builder().provider(cloud).build();
    Node web = Node.builder("web1").image("debian-12").type("m1.small").build();
    Instance vm = client.start(web);            // waits until RUNNING, remembers the binding
    client.stop(web);
    client.destroy(web);
    // end::quick-start[]
    System.out.println("started " + vm.id() + " for " + web.name() + ": " + vm.state() + " at "
        + vm.publicAddress().orElse("no address") + "; then stopped and destroyed; VMs left: "
        + cloud.liveCount());

    // tag::by-profile[]
    Profile lab = Profile.builder("lab", "fake").defaultImage("debian-12").build();   // or "aws", "openstack", ...
    try (VmClient labClient = VmClient.builder().profile(lab).build()) {
      Instance labVm = labClient.start(Node.builder("web1").profile("lab").build());
      System.out.println("profile lab: " + labVm.id() + " " + labVm.state() + " from " + labVm.image().orElseThrow());
    }
    // end::by-profile[]
  }
}
