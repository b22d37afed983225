package controllers

import "k8s.io/apimachinery/pkg/api/resource"

func ptrTo[T any](v T) *T { return &v }

func resourceMust(s string) resource.Quantity { return resource.MustParse(s) }
