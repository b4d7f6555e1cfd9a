MODULE BenchCounters;

	TYPE
		Counter* = POINTER TO EXTENSIBLE RECORD n-: INTEGER END;
		Bounded* = POINTER TO EXTENSIBLE RECORD (Counter) max-, overflows-: INTEGER END;

	PROCEDURE (c: Counter) Changed-, NEW, EMPTY;

	PROCEDURE (c: Counter) Add* (k: INTEGER), NEW, EXTENSIBLE;
	BEGIN
	END Add;

	PROCEDURE (c: Counter) Reset*, NEW, EXTENSIBLE;
	BEGIN
	END Reset;

	PROCEDURE (c: Bounded) Init* (max: INTEGER), NEW;
	BEGIN
	END Init;

	PROCEDURE (c: Bounded) Add* (k: INTEGER);
	BEGIN
	END Add;

	PROCEDURE (c: Bounded) Reset*;
	BEGIN
	END Reset;

	PROCEDURE NewCounter* (): Counter;
	BEGIN
		RETURN NIL
	END NewCounter;

	PROCEDURE NewBounded* (max: INTEGER): Bounded;
	BEGIN
		RETURN NIL
	END NewBounded;

END BenchCounters.
