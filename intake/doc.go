// Package intake owns everything that comes in from Amazon SNS and
// CloudWatch: the SNS HTTP/S protocol (envelopes, subscription
// confirmation, status codes SNS retries on), SNS message signatures and
// signing certificates, the parsing of CloudWatch alarm notifications into
// incident.Alarm, the estimate of when impact started, optional SQS long
// polling, and the periodic reconciliation of alarm states that
// notifications missed.
//
// intake hands what it accepted to a Sink (Alarm or Notice) and answers SNS
// only after the Sink committed; the Sink is the response engine, wired by
// package app. Of tocsin's packages intake imports only incident (besides
// the AWS SDK's service packages and the Prometheus client); it must not
// import store, bot, dispatch or any other. Everything that
// reads the clock takes now (or a Now func), and everything that fetches
// takes an injected *http.Client, so verification of captured messages and
// of test certificates is reproducible.
package intake
