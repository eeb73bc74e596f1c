package dev.flotilla.vm.aws.internal;

import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.jclouds.aws.ec2.config.AWSEC2HttpApiModule;
import org.jclouds.aws.filters.FormSignerV4.ServiceAndRegion;
import org.jclouds.location.config.LocationModule;
import org.jclouds.location.suppliers.RegionIdToURISupplier;
import org.jclouds.location.suppliers.RegionIdToZoneIdsSupplier;
import org.jclouds.location.suppliers.RegionIdsSupplier;
import org.jclouds.location.suppliers.ZoneIdToURISupplier;
import org.jclouds.location.suppliers.ZoneIdsSupplier;
import org.jclouds.location.suppliers.derived.RegionIdsFromRegionIdToURIKeySet;
import org.jclouds.location.suppliers.derived.ZoneIdToURIFromJoinOnRegionIdToURI;
import org.jclouds.location.suppliers.derived.ZoneIdsFromRegionIdToZoneIdsValues;
import org.jclouds.rest.ConfiguresHttpApi;

/**
 * What jclouds needs to talk to an EC2 endpoint of the user's choosing (an EC2-compatible cloud, an
 * emulator, {@code http://127.0.0.1:PORT}): the profile's region maps to that endpoint instead of to the
 * endpoints a DescribeRegions call would name, and the SigV4 signer signs for service {@code ec2} in the
 * profile's region instead of guessing both from the host name.
 */
@ConfiguresHttpApi
public final class LocalEndpointModule extends AWSEC2HttpApiModule {
  private final String region;
  private final URI endpoint;

  /** Maps {@code region} to {@code endpoint} and signs for it. */
  public LocalEndpointModule(String region, URI endpoint) {
    this.region = region;
    this.endpoint = endpoint;
  }

  @Override
  protected void installLocations() {
    install(new LocationModule());
    Map<String, Supplier<URI>> uris = Map.of(region, Suppliers.ofInstance(endpoint));
    Map<String, Supplier<Set<String>>> zones = Map.of(region, Suppliers.ofInstance(Set.of()));
    bind(RegionIdToURISupplier.class).toInstance(() -> uris);
    bind(RegionIdToZoneIdsSupplier.class).toInstance(() -> zones);
    bind(ZoneIdsSupplier.class).to(ZoneIdsFromRegionIdToZoneIdsValues.class).in(Scopes.SINGLETON);
    bind(RegionIdsSupplier.class).to(RegionIdsFromRegionIdToURIKeySet.class).in(Scopes.SINGLETON);
    bind(ZoneIdToURISupplier.class).to(ZoneIdToURIFromJoinOnRegionIdToURI.class).in(Scopes.SINGLETON);
  }

  @Provides
  ServiceAndRegion serviceAndRegion() {
    return new ServiceAndRegion() {
      @Override
      public String service() {
        return "ec2";
      }

      @Override
      public String region(String host) {
        return region;
      }
    };
  }
}
