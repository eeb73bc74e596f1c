/**
 * OpenStack Nova clouds on jclouds {@code openstack-nova} (api id {@code openstack}).
 *
 * <p>Not yet usable: this module compiles against jclouds so that the build checks its dependencies,
 * but registers no provider until the OpenStack adapter lands.
 */
package dev.flotilla.vm.openstack;
