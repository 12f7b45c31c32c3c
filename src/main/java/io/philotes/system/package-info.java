/**
 * The system endpoints: health, liveness and readiness, build version, the safe effective configuration
 * and the OpenAPI document of the contract.
 */
package io.philotes.system;
