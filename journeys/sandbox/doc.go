// Package sandbox is a built-in sample online service ("Sandbox Online Service")
// together with a local simulator of the iAM Smart side, so journeys run with no
// network.
//
// The service offers the three business processes that trigger iAM Smart —
// authentication (/login), form filling (/form) and signing (/sign) — in English,
// Traditional Chinese (zh-HK) and Simplified Chinese (zh-CN). Its entries send the
// browser to the simulator's authorisation endpoint (/iamsmart/authorize), which
// shows a QR code on desktop and an "open the app" page on mobile, and polls until
// the simulated user decides on the phone side (/iamsmart/phone/ID). With no defect
// switched on, every page follows the rules of the default iamsmart rule pack.
// Defects (see Defects) break exactly one rule each, so the verifier can be tested
// end to end against a known answer.
//
// A Server keeps its sessions and pending iAM Smart requests in memory and is safe
// for concurrent use. Absolute URLs are built from the request's Host, so the
// server runs on any address.
package sandbox
