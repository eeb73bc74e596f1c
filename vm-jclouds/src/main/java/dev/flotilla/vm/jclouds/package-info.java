/**
 * What Flotilla's adapters built on jclouds (aws, openstack) share. Not API: nothing here is meant for
 * users of Flotilla.
 */
package dev.flotilla.vm.jclouds;
