/**
 * OpenStack Nova clouds on jclouds {@code openstack-nova} (api id {@code openstack}): Keystone v3 or v2,
 * flavors, images, key pairs, security groups, cloud-init user data, server groups for anti-affinity,
 * floating IPs, console output and snapshots that become images.
 */
package dev.flotilla.vm.openstack;
