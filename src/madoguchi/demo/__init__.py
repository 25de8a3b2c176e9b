"""The demo marketplace 「まどぐちモール」: data files and the seeding that loads them."""
