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
		RETURN 0
	END Area;

	PROCEDURE (s: Circle) Area* (): REAL;
	BEGIN
		RETURN 0
	END Area;

	PROCEDURE NewRect* (w, h: REAL): Rect;
	BEGIN
		RETURN NIL
	END NewRect;

	PROCEDURE NewSquare* (side: REAL): Square;
	BEGIN
		RETURN NIL
	END NewSquare;

	PROCEDURE NewCircle* (r: REAL): Circle;
	BEGIN
		RETURN NIL
	END NewCircle;

	PROCEDURE Kind* (s: Shape): INTEGER;
	BEGIN
		RETURN 0
	END Kind;

	PROCEDURE TotalArea* (IN shapes: ARRAY OF Shape; n: INTEGER): REAL;
	BEGIN
		RETURN 0
	END TotalArea;

END BenchShapes.
