MODULE BenchCounters;

	TYPE
		Counter* = POINTER TO EXTENSIBLE RECORD n-: INTEGER END;
		Bounded* = POINTER TO EXTENSIBLE RECORD (Counter) max-, overflows-: INTEGER END;

	PROCEDURE (c: Counter) Changed-, NEW, EMPTY;

	PROCEDURE (c: Counter) Add* (k: INTEGER), NEW, EXTENSIBLE;
	BEGIN
		c.n := c.n + k; c.Changed
	END Add;

	PROCEDURE (c: Counter) Reset*, NEW, EXTENSIBLE;
	BEGIN
		c.n := 0; c.Changed
	END Reset;

	PROCEDURE (c: Bounded) Init* (max: INTEGER), NEW;
	BEGIN
		c.n := 0; c.overflows := 0; c.max := max
	END Init;

	PROCEDURE (c: Bounded) Add* (k: INTEGER);
	BEGIN
		IF c.n + k > c.max THEN INC(c.overflows); c.Add^(c.max - c.n)
		ELSE c.Add^(k)
		END
	END Add;

	PROCEDURE (c: Bounded) Reset*;
	BEGIN
		c.Reset^; c.overflows := 0
	END Reset;

	PROCEDURE NewCounter* (): Counter;
		VAR c: Counter;
	BEGIN
		NEW(c);
		RETURN c
	END NewCounter;

	PROCEDURE NewBounded* (max: INTEGER): Bounded;
		VAR c: Bounded;
	BEGIN
		NEW(c); c.Init(max);
		RETURN c
	END NewBounded;

END BenchCounters.
