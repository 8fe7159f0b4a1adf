// Imported once by launcher.js in a prewarmed ("stem cell") instance, before it reports ready.
// The first import() of a file initialises Node's ES module loader (resolver, package scope
// lookup, file translator), ~7 ms that an ES module action would otherwise pay between its init
// message and the ack. Deliberately empty.
export {};
