package dev.flotilla.vm.openstack;

import dev.flotilla.vm.Profile;
import dev.flotilla.vm.store.CloudConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real OpenStack that real-cloud/up.sh starts on 127.0.0.1, as its RC file describes it: the tests
 * read it the way a user's {@code vm --auth openrc.sh} would.
 */
final class RealCloud {
  /** The image, flavors and networks up.sh seeds. */
  static final String IMAGE = "fake-image";
  static final String FLAVOR = "m1.nano";

  private RealCloud() {}

  static Path rcFile() {
    Path rc = Path.of(System.getProperty("openstack.rc", "/tmp/openstack/admin-openrc.sh"));
    if (!Files.isReadable(rc)) {
      throw new IllegalStateException(rc + " is missing: start the cloud with vm-openstack/real-cloud/up.sh first");
    }
    return rc;
  }

  /** The profile of the RC file, plus {@code extra} settings such as a proxy. */
  static Profile profile(String... extra) {
    Profile p = CloudConfig.fromOpenRc(rcFile(), System.getenv()).profiles().get(0);
    Profile.Builder b = p.toBuilder();
    for (int i = 0; i + 1 < extra.length; i += 2) {
      b.setting(extra[i], extra[i + 1]);
    }
    return b.build();
  }
}
