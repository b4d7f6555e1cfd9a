MODULE BenchShapes;

	IMPORT Math;

	TYPE
		Shape* = POINTER TO ABSTRACT RECORD END;
		Rect* = POINTER TO EXTENSIBLE RECORD (Shape) w*, h*: REAL END;
		Square* = POINTER TO RECORD (Rect) END;
		Circle* = POINTER TO RECORD (Shape) r*: REAL END;

	PROCEDURE (s: Shape) Area* (): REAL, NEW, ABSTRACT;

	PROCEDURE (s: Rect) Area* (): REAL;
	BEGIN
		RETURN s.w * s.h
	END Area;

	PROCEDURE (s: Circle) Area* (): REAL;
	BEGIN
		RETURN Math.Pi() * s.r * s.r
	END Area;

	PROCEDURE NewRect* (w, h: REAL): Rect;
		VAR s: Rect;
	BEGIN
		NEW(s); s.w := w; s.h := h;
		RETURN s
	END NewRect;

	PROCEDURE NewSquare* (side: REAL): Square;
		VAR s: Square;
	BEGIN
		NEW(s); s.w := side; s.h := side;
		RETURN s
	END NewSquare;

	PROCEDURE NewCircle* (r: REAL): Circle;
		VAR s: Circle;
	BEGIN
		NEW(s); s.r := r;
		RETURN s
	END NewCircle;

	PROCEDURE Kind* (s: Shape): INTEGER;
	BEGIN
		IF s = NIL THEN RETURN 0
		ELSIF s IS Square THEN RETURN 2	(* before Rect: a square IS a rect too *)
		ELSIF s IS Rect THEN RETURN 1
		ELSIF s IS Circle THEN RETURN 3
		ELSE RETURN 0
		END
	END Kind;

	PROCEDURE TotalArea* (IN shapes: ARRAY OF Shape; n: INTEGER): REAL;
		VAR i: INTEGER; sum: REAL;
	BEGIN
		sum := 0;
		FOR i := 0 TO n - 1 DO
			IF shapes[i] # NIL THEN sum := sum + shapes[i].Area() END
		END;
		RETURN sum
	END TotalArea;

END BenchShapes.
