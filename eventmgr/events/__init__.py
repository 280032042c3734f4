"""Events and series: public pages and the organisers' management area."""
