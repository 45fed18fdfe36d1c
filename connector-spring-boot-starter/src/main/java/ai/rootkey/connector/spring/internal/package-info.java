/**
 * The starter's implementation: property mapping and validation, the lifecycle, health, sanitizing and failure
 * analysis. Not API: it may change in any release.
 */
package ai.rootkey.connector.spring.internal;
