package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"loyalcheck/contract"
)

// acceptUnverifiedUsage is the help of --accept-unverified, on every
// command that makes a contract verdict.
const acceptUnverifiedUsage = "rule ids, comma-separated, whose being left unverified is accepted (e.g. S3,C5): they no longer make the verdict INCOMPLETE"

// contractFlags are the contract suite's options shared by contract and
// accept, checked in parseFlags like every shared group.
type contractFlags struct {
	profile          string
	slow             bool
	acceptUnverified []string

	prof contract.Profile // set by check
}

func (c *contractFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.profile, "profile", string(contract.Default), "contract profile: default (interp rules warn) or strict (warnings fail)")
	fs.BoolVar(&c.slow, "slow", false, "also run the contract checks that wait for a hold to expire (about a minute)")
	fs.StringSliceVar(&c.acceptUnverified, "accept-unverified", nil, acceptUnverifiedUsage)
}

func (c *contractFlags) check(*pflag.FlagSet) error {
	p, err := contract.ParseProfile(c.profile)
	if err != nil {
		return fmt.Errorf("--profile: %w", err)
	}
	if err := contract.ValidateRuleIDs(c.acceptUnverified...); err != nil {
		return fmt.Errorf("--accept-unverified: %w", err)
	}
	c.prof = p
	return nil
}

// options are the suite's options the flags give.
func (c *contractFlags) options() []contract.Option {
	return []contract.Option{contract.WithProfile(c.prof), contract.WithSlow(c.slow), contract.WithAcceptUnverified(c.acceptUnverified...)}
}
