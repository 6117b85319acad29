#!/usr/bin/env node
// Runs the built CLI. In this repository, `npm start` runs it from source instead.
import '../dist/cli.js';
